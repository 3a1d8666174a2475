package io.releasepilot.engine.image;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.input.Names;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What to build and where to push it: validated once when built, trusted afterwards. Paths are
 * paths on the host that runs the builder; {@link BuildImage} checks that they exist there.
 *
 * @param context     the build context directory
 * @param dockerfile  the Dockerfile; null for {@code <context>/Dockerfile}
 * @param tags        one or more references, each once, with a registry when pushing
 * @param buildArgs   {@code --build-arg} values, in order (never secrets: they are kept in the image history)
 * @param target      the stage to build, or null for the last one
 * @param labels      labels given by the user; they win over the OCI labels added
 * @param credentials for every registry among the tags; null: ECR tokens for ECR registries, else
 *                    the builder's own login state
 * @param revision    the source revision (e.g. a git commit); null: asked of git in the context
 * @param source      where the source lives (a repository URL); null: asked of git in the context
 * @param service     the logical service for the audit trail; null: the last component of the first tag's repository
 * @param timeout     how long building and pushing may take in all
 */
public record BuildRequest(String context, String dockerfile, List<ImageReference> tags, Map<String, String> buildArgs,
                           String target, Map<String, String> labels, BuilderChoice builder, boolean push,
                           RegistryCredentials credentials, String revision, String source, String service, Duration timeout) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(1);
    public static final String BUILD_ARG_FORM = "NAME=VALUE where NAME is letters, digits and '_', not starting with a digit";
    public static final String LABEL_FORM = "KEY=VALUE where KEY has no spaces or '=', e.g. org.opencontainers.image.title=web";
    public static final String TARGET_FORM = "a stage name of letters, digits, '_', '.' and '-', as in FROM image AS name";

    private static final Pattern ARG_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern LABEL_KEY = Pattern.compile("[^\\s=\"]+");
    private static final Pattern STAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

    public BuildRequest {
        Names.nonBlank("context", context, "a directory");
        if (dockerfile != null && dockerfile.isBlank()) {
            throw new InvalidInputException("file", dockerfile, "a Dockerfile path");
        }
        if (tags == null || tags.isEmpty()) {
            throw new InvalidInputException("tag", null, "at least one " + ImageReference.FORM);
        }
        Set<String> seen = new HashSet<>();
        for (ImageReference tag : tags) {
            if (tag.digest() != null || tag.tag() == null) {
                throw new InvalidInputException("tag", tag.toString(), "a tag to build, without @digest, e.g. " + ImageReference.EXAMPLE);
            }
            if (push && tag.registry() == null) {
                throw new InvalidInputException("tag", tag.toString(), "a reference that names the registry to push to, e.g. " + ImageReference.EXAMPLE);
            }
            if (!seen.add(tag.toString())) {
                throw new InvalidInputException("tag", tag.toString(), "each tag once (it was given twice)");
            }
        }
        tags = List.copyOf(tags);
        buildArgs = Collections.unmodifiableMap(new LinkedHashMap<>(buildArgs == null ? Map.of() : buildArgs));
        buildArgs.forEach((k, v) -> {
            if (!ARG_NAME.matcher(k).matches() || v == null) {
                throw new InvalidInputException("build-arg", k + "=" + v, BUILD_ARG_FORM);
            }
        });
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels == null ? Map.of() : labels));
        labels.forEach((k, v) -> {
            if (!LABEL_KEY.matcher(k).matches() || v == null) {
                throw new InvalidInputException("label", k + "=" + v, LABEL_FORM);
            }
        });
        if (target != null && !STAGE.matcher(target).matches()) {
            throw new InvalidInputException("target", target, TARGET_FORM);
        }
        Objects.requireNonNull(builder, "builder");
        service = Names.service(service == null ? tags.get(0).lastComponent() : service);
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        if (timeout.isNegative() || timeout.isZero()) {
            throw new InvalidInputException("timeout", timeout.toString(), "a duration greater than zero");
        }
    }

    /** Parses {@code KEY=VALUE} items in order; a key given twice is an error. */
    public static Map<String, String> pairs(String parameter, List<String> items, String form) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String item : items == null ? List.<String>of() : items) {
            int eq = item == null ? -1 : item.indexOf('=');
            if (eq <= 0) {
                throw new InvalidInputException(parameter, item, form);
            }
            if (out.put(item.substring(0, eq), item.substring(eq + 1)) != null) {
                throw new InvalidInputException(parameter, item, form + ", each key once");
            }
        }
        return out;
    }

    /** Parses the tags as the user gave them. */
    public static List<ImageReference> tags(List<String> texts, boolean push) {
        List<ImageReference> out = new ArrayList<>();
        for (String text : texts == null ? List.<String>of() : texts) {
            out.add(ImageReference.parseTag("tag", text, push));
        }
        return out;
    }

    /** The distinct registries among the tags, in order. */
    public List<String> registries() {
        return tags.stream().map(ImageReference::registry).filter(Objects::nonNull).distinct().toList();
    }
}
