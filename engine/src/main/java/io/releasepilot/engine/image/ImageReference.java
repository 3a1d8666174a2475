package io.releasepilot.engine.image;

import io.releasepilot.engine.InvalidInputException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An image reference as registries understand it: {@code registry/repository[:tag][@sha256:…]}
 * (the grammar of the distribution project). Parsed once at the edge with a message that says
 * which part is wrong; trusted afterwards.
 *
 * @param registry   host[:port], or null when the reference names no registry
 * @param repository lower-case path such as {@code team/app}
 * @param tag        the tag, or null when the reference has only a digest
 * @param digest     {@code sha256:…}, or null
 */
public record ImageReference(String registry, String repository, String tag, String digest) {

    public static final String EXAMPLE = "registry.example.com/team/app:1.4.2";
    public static final String FORM = "a full image reference registry/repository[:tag][@sha256:digest], e.g. " + EXAMPLE;

    private static final Pattern DOMAIN = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?");
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");
    private static final Pattern ECR = Pattern.compile("[0-9]{12}\\.dkr\\.ecr(?:-fips)?\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?");

    /** Parses a reference; the registry may be missing (see {@link #requireRegistry}). */
    public static ImageReference parse(String parameter, String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException(parameter, text, FORM);
        }
        if (!text.equals(text.strip()) || text.chars().anyMatch(Character::isWhitespace)) {
            throw new InvalidInputException(parameter, text, FORM + " without spaces");
        }
        String rest = text;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
            if (!DIGEST.matcher(digest).matches()) {
                throw new InvalidInputException(parameter, text, "a digest of the form sha256:<64 lower-case hex digits> after '@'");
            }
        }
        String registry = null;
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost") || first.startsWith("[")) {
                registry = first;
                rest = rest.substring(slash + 1);
            }
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon >= 0) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw new InvalidInputException(parameter, text,
                        "a tag of 1-128 letters, digits, '_', '.' and '-', not starting with '.' or '-' (e.g. 1.4.2)");
            }
        }
        if (registry != null && !DOMAIN.matcher(registry).matches()) {
            throw new InvalidInputException(parameter, text, "a registry host[:port] such as registry.example.com or 127.0.0.1:5000");
        }
        if (rest.isEmpty()) {
            throw new InvalidInputException(parameter, text, FORM);
        }
        if (!rest.equals(rest.toLowerCase(Locale.ROOT))) {
            throw new InvalidInputException(parameter, text, "a lower-case repository ('" + rest + "' has upper case), e.g. " + EXAMPLE);
        }
        for (String component : rest.split("/", -1)) {
            if (!PATH_COMPONENT.matcher(component).matches()) {
                throw new InvalidInputException(parameter, text,
                        "a repository of '/'-separated lower-case letters and digits joined by '.', '_', '__' or '-' (e.g. team/app)");
            }
        }
        if ((registry == null ? 0 : registry.length() + 1) + rest.length() > 255) {
            throw new InvalidInputException(parameter, text, "a name (registry/repository) of at most 255 characters");
        }
        return new ImageReference(registry, rest, tag, digest);
    }

    /** Parses a reference to push to: it needs a registry, and a tag ({@code latest} when none is given) but no digest. */
    public static ImageReference parseTag(String parameter, String text, boolean push) {
        ImageReference ref = parse(parameter, text);
        if (ref.digest != null) {
            throw new InvalidInputException(parameter, text, "a tag to build, without @digest, e.g. " + EXAMPLE);
        }
        if (push && ref.registry == null) {
            throw new InvalidInputException(parameter, text, "a reference that names the registry to push to, e.g. " + EXAMPLE);
        }
        return ref.tag == null ? new ImageReference(ref.registry, ref.repository, "latest", null) : ref;
    }

    /** registry/repository (or just the repository when there is no registry). */
    public String name() {
        return registry == null ? repository : registry + "/" + repository;
    }

    /** The digest reference {@code registry/repository@sha256:…} of this name. */
    public ImageReference withDigest(String newDigest) {
        return new ImageReference(registry, repository, null, newDigest);
    }

    /** Registries on this machine speak plain HTTP (as Docker treats 127.0.0.0/8 by default). */
    public boolean loopbackRegistry() {
        if (registry == null) {
            return false;
        }
        String host = host();
        return host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]");
    }

    /** The registry host without its port. */
    public String host() {
        if (registry == null) {
            return null;
        }
        if (registry.startsWith("[")) {
            return registry.substring(0, registry.indexOf(']') + 1);
        }
        int colon = registry.indexOf(':');
        return colon < 0 ? registry : registry.substring(0, colon);
    }

    /** The AWS region of an ECR registry ({@code 123456789012.dkr.ecr.eu-west-1.amazonaws.com}), or null. */
    public String ecrRegion() {
        if (registry == null) {
            return null;
        }
        Matcher m = ECR.matcher(registry);
        return m.matches() ? m.group(1) : null;
    }

    /** The last repository component, the default service name ({@code team/web_api} → {@code web-api}). */
    public String lastComponent() {
        return repository.substring(repository.lastIndexOf('/') + 1).replace('_', '-');
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(name());
        if (tag != null) {
            out.append(':').append(tag);
        }
        if (digest != null) {
            out.append('@').append(digest);
        }
        return out.toString();
    }
}
