package io.releasepilot.engine.host;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Where the engine's processes (buildah, pg_dump…) run and their scratch files live: the local
 * machine for the CLI, the build's agent under Jenkins (through the build's launcher). Paths are
 * strings because they name files on that host, not on the machine running the engine.
 */
public interface ProcessLauncher {

    /**
     * Runs a command to its end, sending each output line (stdout and stderr merged) to
     * {@code request.output()} with every masked value replaced by {@code ****}.
     */
    ProcessResult run(ProcessRequest request) throws IOException, InterruptedException;

    /** Writes a file only its owner can read (mode 0600), for a secret a process must read. */
    HostFile writePrivateFile(String prefix, byte[] content) throws IOException;

    /** Makes a private scratch directory (mode 0700), removed when closed. */
    HostFile createTempDirectory(String prefix) throws IOException;

    /** Opens a file on the host for reading. */
    InputStream read(String path) throws IOException;

    /** Whether a program can be found on the host's PATH (or is an executable path). */
    boolean isExecutable(String program);

    /** Whether {@code path} is a directory on the host in which this process can create files. */
    boolean isWritableDirectory(String path);

    /** The names of the entries directly in a directory on the host. */
    List<String> list(String directory) throws IOException;

    /** Writes a file on the host, replacing it as a whole (never a half-written file under its name). */
    void write(String path, byte[] content) throws IOException;

    /** Deletes a file on the host; nothing happens if there is none. */
    void delete(String path) throws IOException;

    /**
     * Renames a file on the host atomically, replacing {@code to} if it exists: a reader sees
     * the old file or the whole new one, never a part. Both paths are in the same directory.
     */
    void move(String from, String to) throws IOException;

    /**
     * The SHA-256 of a file, as 64 lowercase hex digits, computed where the file is (on the
     * agent under Jenkins), so a dump of gigabytes never travels to the engine to be hashed.
     */
    String sha256(String path) throws IOException;

    /** The size of a file on the host, in bytes. */
    long size(String path) throws IOException;

    /**
     * Writes a file only its owner can read (mode 0600) under a given name in an existing
     * directory, for tools that look for a fixed file name (a Docker {@code config.json}).
     */
    HostFile writePrivateFile(String directory, String name, byte[] content) throws IOException;

    /**
     * Where a path really is on the host (absolute, symbolic links followed) and whether it is a
     * directory; empty when nothing is there. Relative paths resolve against the launcher's
     * default working directory.
     */
    Optional<HostPath> resolve(String path) throws IOException;

    /**
     * One command.
     *
     * @param workingDirectory where it runs; null for the launcher's default
     * @param environment      extra environment variables (never for secrets shown on a command line)
     * @param timeout          after this the process is killed and the result says so
     * @param masked           values that must never reach the output (passwords, tokens)
     */
    record ProcessRequest(List<String> command, String workingDirectory, Map<String, String> environment,
                          Duration timeout, ProgressListener output, Set<String> masked) {

        public ProcessRequest {
            command = List.copyOf(command);
            environment = Map.copyOf(environment);
            masked = Set.copyOf(masked);
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(output, "output");
        }

        public static ProcessRequest of(List<String> command, Duration timeout, ProgressListener output) {
            return new ProcessRequest(command, null, Map.of(), timeout, output, Set.of());
        }
    }

    /**
     * How a command ended.
     *
     * @param tail the last lines of its output (masked), for error messages
     */
    record ProcessResult(int exitCode, boolean timedOut, List<String> tail) {

        public boolean succeeded() {
            return !timedOut && exitCode == 0;
        }

        /** The tail as one block of text, for an error message. */
        public String tailText() {
            return String.join("\n", tail);
        }
    }

    /** An existing path on the host, as {@link #resolve} found it. */
    record HostPath(String realPath, boolean directory) {
    }

    /** A file or directory on the host that is removed when closed. */
    interface HostFile extends AutoCloseable {
        String path();

        @Override
        void close() throws IOException;
    }
}
