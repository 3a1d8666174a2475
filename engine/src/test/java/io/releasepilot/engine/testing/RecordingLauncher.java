package io.releasepilot.engine.testing;

import io.releasepilot.engine.host.LocalProcessLauncher;
import io.releasepilot.engine.host.ProcessLauncher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The real local launcher, watched: every command line and environment it was asked to run,
 * every private file written (with its mode at the time), so tests can prove where secrets went.
 */
public final class RecordingLauncher implements ProcessLauncher {

    /** A private file as it was when written. */
    public record PrivateFile(String path, Set<PosixFilePermission> mode, String content) {
    }

    private final LocalProcessLauncher local = new LocalProcessLauncher();
    public final List<ProcessRequest> requests = new CopyOnWriteArrayList<>();
    public final List<PrivateFile> privateFiles = new CopyOnWriteArrayList<>();
    /** Every file read back through {@link #read}, which under Jenkins crosses the agent channel. */
    public final List<String> reads = new CopyOnWriteArrayList<>();

    @Override
    public ProcessResult run(ProcessRequest request) throws IOException, InterruptedException {
        requests.add(request);
        return local.run(request);
    }

    @Override
    public HostFile writePrivateFile(String prefix, byte[] content) throws IOException {
        HostFile file = local.writePrivateFile(prefix, content);
        remember(file.path(), content);
        return file;
    }

    @Override
    public HostFile writePrivateFile(String directory, String name, byte[] content) throws IOException {
        HostFile file = local.writePrivateFile(directory, name, content);
        remember(file.path(), content);
        return file;
    }

    private void remember(String path, byte[] content) throws IOException {
        privateFiles.add(new PrivateFile(path, Files.getPosixFilePermissions(Path.of(path)), new String(content)));
    }

    @Override
    public HostFile createTempDirectory(String prefix) throws IOException {
        return local.createTempDirectory(prefix);
    }

    @Override
    public InputStream read(String path) throws IOException {
        reads.add(path);
        return local.read(path);
    }

    @Override
    public void move(String from, String to) throws IOException {
        local.move(from, to);
    }

    @Override
    public String sha256(String path) throws IOException {
        return local.sha256(path);
    }

    @Override
    public long size(String path) throws IOException {
        return local.size(path);
    }

    @Override
    public boolean isExecutable(String program) {
        return local.isExecutable(program);
    }

    @Override
    public Optional<HostPath> resolve(String path) throws IOException {
        return local.resolve(path);
    }

    @Override
    public boolean isWritableDirectory(String path) {
        return local.isWritableDirectory(path);
    }

    @Override
    public List<String> list(String directory) throws IOException {
        return local.list(directory);
    }

    @Override
    public void write(String path, byte[] content) throws IOException {
        local.write(path, content);
    }

    @Override
    public void delete(String path) throws IOException {
        local.delete(path);
    }

    /** Every argument and environment value of every process, as one list. */
    public List<String> everythingPassedToProcesses() {
        List<String> out = new ArrayList<>();
        for (ProcessRequest r : requests) {
            out.addAll(r.command());
            out.addAll(r.environment().values());
        }
        return out;
    }
}
