package io.releasepilot.engine.host;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Runs processes on this machine: the CLI's launcher, and the one tests use. */
public final class LocalProcessLauncher implements ProcessLauncher {

    private static final int TAIL_LINES = 40;

    @Override
    public ProcessResult run(ProcessRequest request) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(request.command()).redirectErrorStream(true);
        if (request.workingDirectory() != null) {
            pb.directory(new File(request.workingDirectory()));
        }
        pb.environment().putAll(request.environment());
        Process process = pb.start();
        process.getOutputStream().close();
        Deque<String> tail = new ArrayDeque<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String shown = mask(line, request);
                    request.output().line(shown);
                    synchronized (tail) {
                        tail.addLast(shown);
                        if (tail.size() > TAIL_LINES) {
                            tail.removeFirst();
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process was killed: its pipe closed under us
            }
        }, "release-pilot-process-output");
        reader.setDaemon(true);
        reader.start();
        boolean finished;
        try {
            finished = process.waitFor(request.timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            destroyTree(process);
            throw e;
        }
        if (!finished) {
            destroyTree(process);
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
        synchronized (tail) {
            return new ProcessResult(finished ? process.exitValue() : -1, !finished, new ArrayList<>(tail));
        }
    }

    private static String mask(String line, ProcessRequest request) {
        String out = line;
        for (String secret : request.masked()) {
            if (secret != null && !secret.isEmpty()) {
                out = out.replace(secret, "****");
            }
        }
        return out;
    }

    private static void destroyTree(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    @Override
    public HostFile writePrivateFile(String prefix, byte[] content) throws IOException {
        Path file = Files.createTempFile(prefix, ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, content);
        return new LocalFile(file);
    }

    @Override
    public HostFile createTempDirectory(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return new LocalFile(dir);
    }

    @Override
    public InputStream read(String path) throws IOException {
        return Files.newInputStream(Path.of(path));
    }

    @Override
    public boolean isExecutable(String program) {
        if (program.contains(File.separator)) {
            return Files.isExecutable(Path.of(program));
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean isWritableDirectory(String path) {
        Path dir = Path.of(path);
        if (!Files.isDirectory(dir)) {
            return false;
        }
        // Files.isWritable trusts permission bits that do not bind root and misses read-only mounts: try it.
        try {
            Files.delete(Files.createTempFile(dir, ".release-pilot-probe-", ".tmp"));
            return true;
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    @Override
    public List<String> list(String directory) throws IOException {
        try (Stream<Path> entries = Files.list(Path.of(directory))) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Override
    public void write(String path, byte[] content) throws IOException {
        Path target = Path.of(path);
        Path partial = target.resolveSibling(target.getFileName() + ".partial");
        Files.write(partial, content);
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void delete(String path) throws IOException {
        Files.deleteIfExists(Path.of(path));
    }

    @Override
    public void move(String from, String to) throws IOException {
        Files.move(Path.of(from), Path.of(to), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public String sha256(String path) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(Path.of(path))) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    @Override
    public long size(String path) throws IOException {
        return Files.size(Path.of(path));
    }

    @Override
    public HostFile writePrivateFile(String directory, String name, byte[] content) throws IOException {
        Path file = Path.of(directory).resolve(name);
        if (!file.getParent().equals(Path.of(directory))) {
            throw new IllegalArgumentException("not a plain file name: " + name);
        }
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, content);
        return new LocalFile(file);
    }

    @Override
    public Optional<HostPath> resolve(String path) throws IOException {
        Path p = Path.of(path);
        if (!Files.exists(p)) {
            return Optional.empty();
        }
        Path real = p.toRealPath();
        return Optional.of(new HostPath(real.toString(), Files.isDirectory(real)));
    }

    private record LocalFile(Path file) implements HostFile {
        @Override
        public String path() {
            return file.toString();
        }

        @Override
        public void close() throws IOException {
            if (Files.isDirectory(file)) {
                try (Stream<Path> paths = Files.walk(file)) {
                    for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            } else {
                Files.deleteIfExists(file);
            }
        }
    }
}
