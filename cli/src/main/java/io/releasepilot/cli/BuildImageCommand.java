package io.releasepilot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.host.LocalProcessLauncher;
import io.releasepilot.engine.image.BuildImage;
import io.releasepilot.engine.image.BuildRequest;
import io.releasepilot.engine.image.BuilderChoice;
import io.releasepilot.engine.image.BuiltImage;
import io.releasepilot.engine.image.ImageReference;
import io.releasepilot.engine.image.RegistryCredentials;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "build-image", mixinStandardHelpOptions = true,
        description = {"Build a Dockerfile (buildah, docker or kaniko), push every tag, and print the digest reference "
                + "registry/repository@sha256:… that the registry confirms for all of them.",
            "Progress goes to standard error; the digest reference alone to standard output."})
final class BuildImageCommand implements Callable<Integer> {

    static final String ENV_PASSWORD = "RELEASE_PILOT_REGISTRY_PASSWORD";

    @Spec
    CommandSpec spec;

    @Option(names = "--context", required = true, paramLabel = "DIR", description = "The build context directory.")
    String context;

    @Option(names = "--file", paramLabel = "DOCKERFILE", description = "The Dockerfile, inside the context. Default: DIR/Dockerfile.")
    String file;

    @Option(names = "--tag", required = true, paramLabel = "REF",
            description = "A full reference registry/repository:tag to build and push; repeat for more tags.")
    List<String> tags;

    @Option(names = "--build-arg", paramLabel = "K=V", description = "A build argument; repeatable. Never a secret: it stays in the image history.")
    List<String> buildArgs;

    @Option(names = "--target", paramLabel = "STAGE", description = "The stage to build. Default: the last one.")
    String target;

    @Option(names = "--label", paramLabel = "K=V",
            description = "An image label; repeatable. org.opencontainers.image.created/revision/source are added unless given here.")
    List<String> labels;

    @Option(names = "--builder", defaultValue = "auto", paramLabel = "auto|buildah|docker|kaniko",
            description = "Which builder; auto takes the first that works of buildah, docker, kaniko. Default: ${DEFAULT-VALUE}.")
    String builder;

    @Option(names = "--no-push", description = "Build only; push nothing (tags then need no registry).")
    boolean noPush;

    @Option(names = "--registry-username", paramLabel = "U", description = "User name for the registries of the tags.")
    String registryUsername;

    @Option(names = "--registry-password-file", paramLabel = "F",
            description = "File holding the registry password. Default: env " + ENV_PASSWORD + ".")
    Path registryPasswordFile;

    @Override
    public Integer call() throws InterruptedException {
        CliContext ctx = new CliContext(spec);
        boolean push = !noPush;
        BuildRequest request = new BuildRequest(
                Path.of(context).toAbsolutePath().toString(),
                file == null ? null : Path.of(file).toAbsolutePath().toString(),
                BuildRequest.tags(tags, push),
                BuildRequest.pairs("build-arg", buildArgs, BuildRequest.BUILD_ARG_FORM),
                target,
                BuildRequest.pairs("label", labels, BuildRequest.LABEL_FORM),
                BuilderChoice.parse("builder", builder),
                push,
                credentials(),
                blankToNull(System.getenv("GIT_COMMIT")),
                blankToNull(System.getenv("GIT_URL")),
                null,
                null);
        LocalProcessLauncher launcher = new LocalProcessLauncher();
        BuildImage buildImage = BuildImage.standard(launcher);
        buildImage.checkContext(request);
        try (ActAudit audit = ctx.openAct(ctx.err())) {
            BuiltImage built = buildImage.run(request, audit.store(), ctx.origin(), line -> ctx.err().println(line));
            print(ctx, audit, built);
        }
        return 0;
    }

    /** Standard output carries only the result (the digest reference, or JSON); the audit head goes with the progress lines. */
    private static void print(CliContext ctx, ActAudit audit, BuiltImage built) {
        if (ctx.json()) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("digestReference", built.digestReference());
            o.put("digest", built.digest());
            o.put("imageId", built.imageId());
            o.putArray("tags").addAll(built.tags().stream().map(ImageReference::toString).map(o::textNode).toList());
            o.put("builder", built.builder());
            o.put("durationMs", built.duration().toMillis());
            o.put("revision", built.revision());
            audit.finish(o);
            ctx.out().println(o);
        } else {
            audit.finish(null);
            ctx.out().println(built.digestReference() != null ? built.digestReference() : built.imageId());
        }
    }

    /** The user name with a password from the file or the environment; never from a flag value. */
    private RegistryCredentials credentials() {
        String envPassword = System.getenv(ENV_PASSWORD);
        if (registryUsername == null) {
            if (registryPasswordFile != null) {
                throw new InvalidInputException("registry-username", null, "a user name whenever --registry-password-file is given");
            }
            return null;
        }
        if (registryUsername.isBlank() || registryUsername.contains(":")) {
            throw new InvalidInputException("registry-username", registryUsername, "a user name without ':'");
        }
        if (registryPasswordFile != null) {
            return new RegistryCredentials(registryUsername, readPassword(registryPasswordFile), "--registry-password-file");
        }
        if (envPassword != null && !envPassword.isEmpty()) {
            return new RegistryCredentials(registryUsername, envPassword.toCharArray(), "env " + ENV_PASSWORD);
        }
        throw new InvalidInputException("registry-password-file", null,
                "a file holding the password of --registry-username (or env " + ENV_PASSWORD + ")");
    }

    private static char[] readPassword(Path path) {
        String form = "a readable file holding the registry password";
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new InvalidInputException("registry-password-file", path.toString(), form);
        }
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
            int end = chars.limit();
            while (end > 0 && (chars.get(end - 1) == '\n' || chars.get(end - 1) == '\r')) {
                end--;
            }
            if (end == 0) {
                throw new InvalidInputException("registry-password-file", path.toString(), form + " (it is empty)");
            }
            char[] password = new char[end];
            chars.get(password);
            Arrays.fill(chars.array(), '\0');
            return password;
        } catch (CharacterCodingException e) {
            throw new InvalidInputException("registry-password-file", path.toString(), form + " in UTF-8");
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
