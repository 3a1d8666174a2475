package io.releasepilot.engine.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A build context whose images start FROM scratch with the static busybox, so nothing is pulled. */
public final class BusyboxContext {

    public static final Path BUSYBOX = Path.of("/bin/busybox");

    /**
     * Two stages: {@code base} runs a RUN step with busybox and labels the build argument
     * {@code GREETING}; the last stage {@code final} labels itself.
     */
    public static final String TWO_STAGES = String.join("\n",
            "FROM scratch AS base",
            "COPY busybox /bin/busybox",
            "ARG GREETING=hello",
            "RUN [\"/bin/busybox\", \"sh\", \"-c\", \"echo $GREETING > /greeting\"]",
            "LABEL stage=base greeting=$GREETING",
            "FROM base AS final",
            "LABEL stage=final",
            "");

    private BusyboxContext() {
    }

    /** Writes the context: busybox beside a Dockerfile with the given text. */
    public static Path write(Path dir, String dockerfile) {
        if (!Files.isExecutable(BUSYBOX)) {
            throw new IllegalStateException(BUSYBOX + " is missing: install the Debian package 'busybox-static' (.ci/run does)");
        }
        try {
            Files.createDirectories(dir);
            Files.copy(BUSYBOX, dir.resolve("busybox"));
            Files.writeString(dir.resolve("Dockerfile"), dockerfile);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
