package io.releasepilot.engine.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.ReleasePilotException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProcessLauncher;
import io.releasepilot.engine.host.ProcessLauncher.HostFile;
import io.releasepilot.engine.host.ProcessLauncher.HostPath;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The {@code buildImage} step: checks the input on the host, picks a builder, proves the registry
 * accepts the credentials, builds and pushes, then asks the registry which digest every tag now
 * resolves to and records IMAGE_BUILT. Returns the digest reference deploy steps take, so what was
 * tested is exactly what ships.
 */
public final class BuildImage {

    /** The file name Docker-format credentials have in their private directory. */
    public static final String AUTH_FILE_NAME = "config.json";

    public static final String LABEL_CREATED = "org.opencontainers.image.created";
    public static final String LABEL_REVISION = "org.opencontainers.image.revision";
    public static final String LABEL_SOURCE = "org.opencontainers.image.source";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProcessLauncher launcher;
    private final List<ImageBuilder> builders;
    private final RegistryClient registry;
    private final EcrTokens ecr;
    private final Clock clock;

    /**
     * @param builders the builders {@code auto} tries, in order; a named builder must be among them
     */
    public BuildImage(ProcessLauncher launcher, List<ImageBuilder> builders, RegistryClient registry, EcrTokens ecr, Clock clock) {
        this.launcher = Objects.requireNonNull(launcher, "launcher");
        this.builders = List.copyOf(builders);
        this.registry = Objects.requireNonNull(registry, "registry");
        this.ecr = Objects.requireNonNull(ecr, "ecr");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** buildah, docker, kaniko from the PATH; the real ECR; registry calls time out after 30 s. */
    public static BuildImage standard(ProcessLauncher launcher) {
        return new BuildImage(launcher, List.of(new BuildahBuilder(), new DockerBuilder(), new KanikoBuilder()),
                new RegistryClient(Duration.ofSeconds(30)), EcrTokens.standard(), Clock.systemUTC());
    }

    /**
     * Checks the context and Dockerfile on the host: the context must be a directory and the
     * Dockerfile a file inside it. Nothing is built or contacted before this passes.
     *
     * @return the real paths of both
     */
    public CheckedContext checkContext(BuildRequest request) {
        try {
            HostPath context = launcher.resolve(request.context())
                    .filter(HostPath::directory)
                    .orElseThrow(() -> new InvalidInputException("context", request.context(), "an existing directory on the host that builds"));
            String dockerfileText = request.dockerfile() != null ? request.dockerfile() : context.realPath() + "/Dockerfile";
            String inside = "a Dockerfile inside the context directory " + context.realPath();
            HostPath dockerfile = launcher.resolve(dockerfileText)
                    .orElseThrow(() -> new InvalidInputException("file", dockerfileText, inside + " (there is no such file)"));
            if (dockerfile.directory()) {
                throw new InvalidInputException("file", dockerfileText, inside + " (this is a directory)");
            }
            String root = context.realPath().endsWith("/") ? context.realPath() : context.realPath() + "/";
            if (!dockerfile.realPath().startsWith(root)) {
                throw new InvalidInputException("file", dockerfileText, inside);
            }
            return new CheckedContext(context.realPath(), dockerfile.realPath());
        } catch (IOException e) {
            throw new EnvironmentException("cannot look at the build context " + request.context() + " on the build host: " + e.getMessage(), e);
        }
    }

    /** The build context and Dockerfile as real paths on the host. */
    public record CheckedContext(String context, String dockerfile) {
    }

    /** Builds, pushes, confirms the digest with the registry and records IMAGE_BUILT. */
    public BuiltImage run(BuildRequest request, AuditStore audit, Origin origin, ProgressListener listener) throws InterruptedException {
        CheckedContext checked = checkContext(request);
        Instant start = clock.instant();
        ImageBuilder builder;
        Map<String, RegistryCredentials> credentials;
        Map<String, String> labels;
        try {
            // Nothing is built or pushed before these pass, so their failures change nothing worth a record.
            builder = select(request.builder(), listener);
            credentials = credentials(request, listener);
            String revision = request.revision() != null ? request.revision() : SourceRevision.revision(launcher, checked.context());
            String source = request.source() != null ? SourceRevision.withoutUserInfo(request.source())
                    : SourceRevision.source(launcher, checked.context());
            labels = labels(request, revision, source, start);
        } catch (IOException e) {
            throw new EnvironmentException("buildImage could not use the build host: " + e.getMessage(), e);
        }
        try {
            BuiltImage built = buildAndConfirm(request, checked, builder, credentials, labels, start, listener);
            audit.append(event(request, built, labels.get(LABEL_SOURCE), Outcome.SUCCEEDED, null), origin);
            listener.line("[buildImage] %s: built %s in %s with %s", request.service(),
                    built.digestReference() != null ? built.digestReference()
                            : tagList(request.tags()) + " (not pushed, image " + built.imageId() + ")",
                    Durations.format(built.duration()), builder.name());
            return built;
        } catch (IOException e) {
            EnvironmentException failure = new EnvironmentException("buildImage could not use the build host: " + e.getMessage(), e);
            recordFailure(request, builder, labels, audit, origin, start, failure);
            throw failure;
        } catch (DeploymentFailedException | EnvironmentException e) {
            recordFailure(request, builder, labels, audit, origin, start, e);
            throw e;
        }
    }

    private BuiltImage buildAndConfirm(BuildRequest request, CheckedContext checked, ImageBuilder builder,
                                       Map<String, RegistryCredentials> credentials, Map<String, String> labels, Instant start,
                                       ProgressListener listener) throws IOException, InterruptedException {
        Set<String> masked = new HashSet<>();
        credentials.values().forEach(c -> masked.addAll(c.secrets()));
        listener.line("[buildImage] building %s from %s with %s", tagList(request.tags()), checked.dockerfile(), builder.name());
        ImageBuilder.BuildOutcome outcome;
        try (HostFile scratch = launcher.createTempDirectory("release-pilot-image-");
             AuthConfig auth = AuthConfig.write(launcher, credentials)) {
            ImageBuilder.BuildJob job = new ImageBuilder.BuildJob(checked.context(), checked.dockerfile(), request.tags(), request.buildArgs(),
                    request.target(), labels, request.push(), auth.directory(), scratch.path(), masked, start.plus(request.timeout()));
            try {
                outcome = builder.build(job, launcher, listener);
            } catch (BuilderFailure failure) {
                throw explain(failure, request, credentials, checked.dockerfile());
            }
        }
        String digest = null;
        String digestReference = null;
        if (request.push()) {
            digest = confirm(request, builder, outcome, credentials, listener);
            digestReference = request.tags().get(0).withDigest(digest).toString();
        }
        Duration took = Duration.between(start, clock.instant()).truncatedTo(ChronoUnit.MILLIS);
        return new BuiltImage(digestReference, digest, outcome.imageId(), request.tags(), builder.name(), took, labels.get(LABEL_REVISION));
    }

    private ImageBuilder select(BuilderChoice choice, ProgressListener listener) throws IOException, InterruptedException {
        List<String> tried = new ArrayList<>();
        for (ImageBuilder candidate : builders) {
            if (choice != BuilderChoice.AUTO && !candidate.name().equals(choice.label())) {
                continue;
            }
            ImageBuilder.Availability availability = candidate.probe(launcher);
            if (availability.available()) {
                listener.line("[buildImage] builder %s: %s%s", candidate.name(), availability.detail(),
                        choice == BuilderChoice.AUTO ? ", the first that works of " + builderNames() : "");
                return candidate;
            }
            tried.add(candidate.name() + ": " + availability.detail());
        }
        if (tried.isEmpty()) {
            throw new EnvironmentException("builder " + choice.label() + " is not offered by this host (it offers " + builderNames() + ")");
        }
        throw new EnvironmentException((choice == BuilderChoice.AUTO ? "no image builder works on this host; tried " : "builder "
                + choice.label() + " cannot run on this host: ") + String.join("; ", tried));
    }

    private String builderNames() {
        return builders.stream().map(ImageBuilder::name).collect(Collectors.joining(", "));
    }

    /** Credentials per registry to push to, each proved against its registry before anything is built. */
    private Map<String, RegistryCredentials> credentials(BuildRequest request, ProgressListener listener) {
        Map<String, RegistryCredentials> out = new LinkedHashMap<>();
        if (!request.push()) {
            return out;
        }
        for (String name : request.registries()) {
            ImageReference first = request.tags().stream().filter(t -> name.equals(t.registry())).findFirst().orElseThrow();
            RegistryCredentials credentials = request.credentials();
            if (credentials == null && first.ecrRegion() != null) {
                credentials = ecr.credentialsFor(first);
                listener.line("[buildImage] registry %s: token from ECR in %s", name, first.ecrRegion());
            }
            if (credentials != null) {
                registry.checkLogin(first, credentials);
                listener.line("[buildImage] registry %s accepts the credentials of user '%s'", name, credentials.username());
                out.put(name, credentials);
            }
        }
        return out;
    }

    private static Map<String, String> labels(BuildRequest request, String revision, String source, Instant created) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABEL_CREATED, created.truncatedTo(ChronoUnit.SECONDS).toString());
        if (revision != null) {
            labels.put(LABEL_REVISION, revision);
        }
        if (source != null) {
            labels.put(LABEL_SOURCE, source);
        }
        labels.putAll(request.labels());
        return labels;
    }

    private ReleasePilotException explain(BuilderFailure failure, BuildRequest request, Map<String, RegistryCredentials> credentials,
                                          String dockerfile) {
        String said = String.join("\n", failure.explanation());
        if (failure.result().timedOut()) {
            return new EnvironmentException(failure.builder() + " did not finish within the build timeout of "
                    + Durations.format(request.timeout()) + ":\n" + said);
        }
        boolean pushing = failure.stage() == BuilderFailure.Stage.PUSH;
        if (pushing && failure.refusedAuthentication()) {
            ImageReference tag = failure.tag() != null ? failure.tag() : request.tags().get(0);
            RegistryCredentials given = credentials.get(tag.registry());
            if (given != null) {
                return new EnvironmentException("registry " + tag.registry() + " rejected the credentials of user '" + given.username()
                        + "' (from " + given.origin() + ") when " + failure.builder() + " pushed " + tag + ":\n" + said);
            }
            return new EnvironmentException("registry " + tag.registry() + " refused the push of " + tag
                    + " without credentials: give a registry user name and password:\n" + said);
        }
        if (pushing) {
            ImageReference tag = failure.tag() != null ? failure.tag() : request.tags().get(0);
            return new EnvironmentException(failure.builder() + " could not push " + tag + " to registry " + tag.registry()
                    + " (exit " + failure.result().exitCode() + "):\n" + said);
        }
        return new DeploymentFailedException(failure.builder() + " could not build " + dockerfile + " (exit "
                + failure.result().exitCode() + "):\n" + said);
    }

    /** Asks the registry what every tag resolves to now; all must be the one digest the builder pushed. */
    private String confirm(BuildRequest request, ImageBuilder builder, ImageBuilder.BuildOutcome outcome,
                           Map<String, RegistryCredentials> credentials, ProgressListener listener) {
        String digest = null;
        for (ImageReference tag : request.tags()) {
            String pushed = outcome.pushed().get(tag);
            if (pushed == null) {
                throw new DeploymentFailedException(builder.name() + " reported no digest for " + tag);
            }
            if (digest == null) {
                digest = pushed;
            } else if (!digest.equals(pushed)) {
                throw new DeploymentFailedException(builder.name() + " pushed different digests: " + request.tags().get(0) + " as " + digest
                        + ", " + tag + " as " + pushed);
            }
            String served = registry.manifestDigest(tag, credentials.get(tag.registry()));
            if (!served.equals(pushed)) {
                throw new DeploymentFailedException("registry " + tag.registry() + " serves " + served + " for " + tag + ", but "
                        + builder.name() + " pushed " + pushed);
            }
            listener.line("[buildImage] registry %s confirms %s is %s", tag.registry(), tag, served);
        }
        return digest;
    }

    private void recordFailure(BuildRequest request, ImageBuilder builder, Map<String, String> labels, AuditStore audit, Origin origin,
                               Instant start, ReleasePilotException failure) {
        BuiltImage attempt = new BuiltImage(null, null, null, request.tags(), builder.name(),
                Duration.between(start, clock.instant()).truncatedTo(ChronoUnit.MILLIS), labels.get(LABEL_REVISION));
        String reason = failure.getMessage().lines().findFirst().orElse(failure.getMessage());
        audit.append(event(request, attempt, labels.get(LABEL_SOURCE), Outcome.FAILED, reason), origin);
    }

    private static AuditEvent event(BuildRequest request, BuiltImage built, String source, Outcome outcome, String reason) {
        return AuditEvent.builder(AuditAction.IMAGE_BUILT, request.service())
                .release(request.tags().get(0).tag())
                .image(built.digestReference() != null ? built.digestReference() : request.tags().get(0).toString())
                .outcome(outcome)
                .reason(reason)
                .detail("digest", built.digest())
                .detail("imageId", built.imageId())
                .detail("tags", tagList(request.tags()))
                .detail("builder", built.builder())
                .detail("duration", Durations.format(built.duration()))
                .detail("revision", built.revision())
                .detail("source", source)
                .detail("pushed", request.push())
                .build();
    }

    private static String tagList(List<ImageReference> tags) {
        return tags.stream().map(ImageReference::toString).collect(Collectors.joining(", "));
    }

    /** Docker-format credentials in a private directory on the host, removed when closed. */
    private record AuthConfig(HostFile dir, HostFile file) implements AutoCloseable {

        static AuthConfig write(ProcessLauncher launcher, Map<String, RegistryCredentials> credentials) throws IOException {
            if (credentials.isEmpty()) {
                return new AuthConfig(null, null);
            }
            ObjectNode root = JSON.createObjectNode();
            ObjectNode auths = root.putObject("auths");
            credentials.forEach((registry, c) -> auths.putObject(registry).put("auth", c.basicToken()));
            byte[] content = JSON.writeValueAsBytes(root);
            HostFile dir = launcher.createTempDirectory("release-pilot-auth-");
            try {
                return new AuthConfig(dir, launcher.writePrivateFile(dir.path(), AUTH_FILE_NAME, content));
            } catch (IOException e) {
                dir.close();
                throw e;
            } finally {
                Arrays.fill(content, (byte) 0);
            }
        }

        String directory() {
            return dir == null ? null : dir.path();
        }

        @Override
        public void close() throws IOException {
            if (dir != null) {
                try {
                    file.close();
                } finally {
                    dir.close();
                }
            }
        }
    }
}
