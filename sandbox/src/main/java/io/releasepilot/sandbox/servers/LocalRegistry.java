package io.releasepilot.sandbox.servers;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A real image registry (Debian package {@code docker-registry}, the CNCF distribution server) on
 * 127.0.0.1, plain HTTP, without authentication, its storage under a scratch directory: where the
 * sandbox's buildah builds are pushed.
 */
public final class LocalRegistry implements AutoCloseable {

    /** Where the Debian package puts the server. */
    public static final Path BINARY = Path.of("/usr/bin/docker-registry");

    private final ServerProcess process;
    private final int port;

    private LocalRegistry(ServerProcess process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the registry and waits until {@code /v2/} answers. */
    public static LocalRegistry start(Path workDir) {
        int port = ServerProcess.freePort();
        Path dir;
        try {
            dir = Files.createDirectories(workDir.resolve("registry-" + port));
            Files.writeString(dir.resolve("config.yml"), String.join("\n", "version: 0.1", "log:", "  level: warn", "storage:",
                    "  filesystem:", "    rootdirectory: " + dir.resolve("data"), "http:", "  addr: 127.0.0.1:" + port, ""));
        } catch (IOException e) {
            throw new LocalServerException("cannot write the registry configuration under " + workDir + ": " + e.getMessage(), e);
        }
        ServerProcess process = ServerProcess.start("docker-registry", "docker-registry",
                List.of(BINARY.toString(), "serve", dir.resolve("config.yml").toString()), dir.resolve("registry.log"),
                URI.create("http://127.0.0.1:" + port + "/v2/"), Duration.ofSeconds(30));
        return new LocalRegistry(process, port);
    }

    /** {@code 127.0.0.1:PORT}, as an image reference names the registry. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.close();
    }
}
