package io.releasepilot.engine.snapshot;

import io.releasepilot.engine.host.LocalProcessLauncher;
import io.releasepilot.engine.host.ProcessLauncher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/** The real local launcher, remembering every command it ran and every private file it wrote (with its mode). */
final class RecordingLauncher implements ProcessLauncher {

    final LocalProcessLauncher local = new LocalProcessLauncher();
    final List<ProcessRequest> requests = new CopyOnWriteArrayList<>();
    final List<Path> privateFiles = new CopyOnWriteArrayList<>();
    final List<Set<PosixFilePermission>> privateFileModes = new CopyOnWriteArrayList<>();

    @Override
    public ProcessResult run(ProcessRequest request) throws IOException, InterruptedException {
        requests.add(request);
        return local.run(request);
    }

    @Override
    public HostFile writePrivateFile(String prefix, byte[] content) throws IOException {
        HostFile file = local.writePrivateFile(prefix, content);
        privateFiles.add(Path.of(file.path()));
        privateFileModes.add(Files.getPosixFilePermissions(Path.of(file.path())));
        return file;
    }

    @Override
    public HostFile createTempDirectory(String prefix) throws IOException {
        return local.createTempDirectory(prefix);
    }

    @Override
    public InputStream read(String path) throws IOException {
        return local.read(path);
    }

    @Override
    public boolean isExecutable(String program) {
        return local.isExecutable(program);
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
}
