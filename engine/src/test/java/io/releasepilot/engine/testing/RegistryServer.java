package io.releasepilot.engine.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real registry (Debian's {@code docker-registry}, the distribution project's registry 2.x)
 * on 127.0.0.1 on a free port, in a scratch directory, with htpasswd (bcrypt) authentication for
 * one user. Stopped and removed by {@link #close()}.
 */
public final class RegistryServer implements AutoCloseable {

    public static final String PROGRAM = "/usr/bin/docker-registry";
    private static final String HTPASSWD = "/usr/bin/htpasswd";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Path dir;
    private final Process process;
    private final int port;
    private final String username;
    private final String password;

    private RegistryServer(Path dir, Process process, int port, String username, String password) {
        this.dir = dir;
        this.process = process;
        this.port = port;
        this.username = username;
        this.password = password;
    }

    /** Starts a registry that accepts only {@code username} with {@code password}. */
    public static RegistryServer start(String username, String password) {
        require(PROGRAM, "docker-registry");
        require(HTPASSWD, "apache2-utils");
        Path dir = null;
        try {
            dir = Files.createTempDirectory(Path.of("/tmp"), "rp-registry-");
            Path htpasswd = dir.resolve("htpasswd");
            // the password goes in on stdin (-i), not on htpasswd's command line
            Process hash = new ProcessBuilder(HTPASSWD, "-iBn", username).redirectErrorStream(false).start();
            try (OutputStream in = hash.getOutputStream()) {
                in.write((password + "\n").getBytes(StandardCharsets.UTF_8));
            }
            String line = new String(hash.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!hash.waitFor(30, TimeUnit.SECONDS) || hash.exitValue() != 0 || line.isEmpty()) {
                throw new IllegalStateException("htpasswd failed: " + new String(hash.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
            }
            Files.writeString(htpasswd, line + "\n");
            int port = FreePorts.next();
            Path config = dir.resolve("config.yml");
            Files.writeString(config, String.join("\n",
                    "version: 0.1",
                    "log:",
                    "  level: warn",
                    "storage:",
                    "  filesystem:",
                    "    rootdirectory: " + dir.resolve("data"),
                    "  delete:",
                    "    enabled: true",
                    "http:",
                    "  addr: 127.0.0.1:" + port,
                    "auth:",
                    "  htpasswd:",
                    "    realm: release-pilot-test",
                    "    path: " + htpasswd,
                    ""));
            Process process = new ProcessBuilder(PROGRAM, "serve", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("registry.log").toFile())
                    .start();
            RegistryServer server = new RegistryServer(dir, process, port, username, password);
            server.awaitReady();
            return server;
        } catch (IOException e) {
            deleteTree(dir);
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            deleteTree(dir);
            throw new IllegalStateException(e);
        }
    }

    private static void require(String program, String debianPackage) {
        if (!Files.isExecutable(Path.of(program))) {
            throw new IllegalStateException(program + " is missing: install the Debian package '" + debianPackage + "' (.ci/run does)");
        }
    }

    private void awaitReady() throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited at start: " + Files.readString(dir.resolve("registry.log")));
            }
            try {
                HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address() + "/v2/")).GET().build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 401) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("docker-registry did not answer on " + address() + " within 30 s");
    }

    /** {@code 127.0.0.1:PORT}: the registry part of image references. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /** The raw manifest a tag or digest resolves to, asked with every manifest kind accepted. */
    public byte[] manifest(String repository, String reference) {
        return get("/v2/" + repository + "/manifests/" + reference).body();
    }

    /** The {@code Docker-Content-Digest} the registry reports for a tag. */
    public String digestHeader(String repository, String reference) {
        return get("/v2/" + repository + "/manifests/" + reference).headers().firstValue("Docker-Content-Digest").orElse(null);
    }

    /** The image configuration (the JSON with {@code config.Labels}) of a tag. */
    public JsonNode imageConfig(String repository, String reference) {
        try {
            JsonNode manifest = JSON.readTree(manifest(repository, reference));
            String configDigest = manifest.path("config").path("digest").asText();
            return JSON.readTree(get("/v2/" + repository + "/blobs/" + configDigest).body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpResponse<byte[]> get(String path) {
        String basic = Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + address() + path))
                .header("Authorization", "Basic " + basic)
                .header("Accept", "application/vnd.oci.image.manifest.v1+json")
                .header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
                .GET().build();
        try {
            HttpResponse<byte[]> response = HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + path + " answered " + response.statusCode() + ": "
                        + new String(response.body(), StandardCharsets.UTF_8));
            }
            return response;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        } finally {
            deleteTree(dir);
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // best effort: a scratch directory under /tmp
        }
    }
}
