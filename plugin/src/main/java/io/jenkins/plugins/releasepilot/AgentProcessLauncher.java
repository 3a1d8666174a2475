package io.jenkins.plugins.releasepilot;

import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.Proc;
import hudson.remoting.VirtualChannel;
import hudson.slaves.WorkspaceList;
import io.releasepilot.engine.host.ProcessLauncher;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import jenkins.MasterToSlaveFileCallable;
import jenkins.util.Timer;

/**
 * The engine's processes and files on the build's agent: commands start through the build's
 * {@link Launcher} with the build's environment, files are read and written through
 * {@link FilePath} callables that run on the agent, and relative paths resolve against the
 * workspace. Scratch files go to the workspace's {@code @tmp} directory, private to the agent
 * user. Nothing here runs on the controller's file system unless the build runs there.
 */
final class AgentProcessLauncher implements ProcessLauncher {

    private final Launcher launcher;
    private final FilePath workspace;
    private final EnvVars environment;

    AgentProcessLauncher(Launcher launcher, FilePath workspace, EnvVars environment) {
        this.launcher = launcher;
        this.workspace = workspace;
        this.environment = environment;
    }

    private FilePath file(String path) {
        return workspace.child(path);
    }

    private FilePath scratchRoot() {
        return WorkspaceList.tempDir(workspace);
    }

    @Override
    public ProcessResult run(ProcessRequest request) throws IOException, InterruptedException {
        Map<String, String> env = new TreeMap<>(environment);
        env.putAll(request.environment());
        MaskingLineStream output = new MaskingLineStream(request.output(), request.masked());
        FilePath pwd = request.workingDirectory() == null ? workspace : file(request.workingDirectory());
        // quiet: the engine prints its own line for each command; Jenkins's "$ cmd" echo adds nothing.
        Proc proc = launcher.launch().cmds(request.command()).envs(env).pwd(pwd).stdout(output).quiet(true).start();
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> deadline = Timer.get().schedule(() -> {
            timedOut.set(true);
            kill(proc);
        }, request.timeout().toMillis(), TimeUnit.MILLISECONDS);
        int exit;
        try {
            exit = proc.join();
        } catch (InterruptedException e) {
            // Aborted: the process must not outlive the step. Killing needs the agent channel, which an interrupted thread cannot use.
            boolean interrupted = Thread.interrupted();
            kill(proc);
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            throw e;
        } finally {
            deadline.cancel(false);
            output.close();
        }
        return new ProcessResult(timedOut.get() ? -1 : exit, timedOut.get(), output.tail());
    }

    private static void kill(Proc proc) {
        try {
            proc.kill();
        } catch (IOException | InterruptedException e) {
            // the channel to the agent is gone: so is the process with it
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public HostFile writePrivateFile(String prefix, byte[] content) throws IOException {
        FilePath root = scratchRoot();
        String path = act(root, new WritePrivateTemp(prefix, content));
        return new AgentFile(new FilePath(root, path));
    }

    @Override
    public HostFile createTempDirectory(String prefix) throws IOException {
        FilePath root = scratchRoot();
        String path = act(root, new CreatePrivateDirectory(prefix));
        return new AgentFile(new FilePath(root, path));
    }

    @Override
    public InputStream read(String path) throws IOException {
        try {
            return file(path).read();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while opening " + path + " on the agent", e);
        }
    }

    @Override
    public boolean isExecutable(String program) {
        try {
            return act(workspace, new FindExecutable(program, environment.get("PATH")));
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public boolean isWritableDirectory(String path) {
        try {
            return act(file(path), new ProbeWritable());
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public List<String> list(String directory) throws IOException {
        return act(file(directory), new ListNames());
    }

    @Override
    public void write(String path, byte[] content) throws IOException {
        act(file(path), new WriteWhole(content));
    }

    @Override
    public void delete(String path) throws IOException {
        act(file(path), new DeleteFile());
    }

    @Override
    public HostFile writePrivateFile(String directory, String name, byte[] content) throws IOException {
        FilePath dir = file(directory);
        String path = act(dir, new WritePrivateNamed(name, content));
        return new AgentFile(new FilePath(dir, path));
    }

    @Override
    public Optional<HostPath> resolve(String path) throws IOException {
        Resolved resolved = act(file(path), new ResolveReal());
        return resolved == null ? Optional.empty() : Optional.of(new HostPath(resolved.realPath(), resolved.directory()));
    }

    /** Computed on the agent where the file is: a dump of gigabytes never crosses the channel. */
    @Override
    public String sha256(String path) throws IOException {
        return act(file(path), new Sha256());
    }

    @Override
    public long size(String path) throws IOException {
        return act(file(path), new SizeOf());
    }

    @Override
    public void move(String from, String to) throws IOException {
        act(file(from), new MoveTo(file(to).getRemote()));
    }

    private static <T> T act(FilePath target, MasterToSlaveFileCallable<T> callable) throws IOException {
        try {
            return target.act(callable);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while working on " + target.getRemote() + " on the agent", e);
        }
    }

    /** A scratch file or directory on the agent, removed when closed. */
    private static final class AgentFile implements HostFile {
        private final FilePath file;

        AgentFile(FilePath file) {
            this.file = file;
        }

        @Override
        public String path() {
            return file.getRemote();
        }

        @Override
        public void close() throws IOException {
            act(file, new DeleteTree());
        }
    }

    /** A path as the agent sees it. */
    record Resolved(String realPath, boolean directory) implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    private static final class ResolveReal extends MasterToSlaveFileCallable<Resolved> {
        private static final long serialVersionUID = 1L;

        @Override
        public Resolved invoke(File f, VirtualChannel channel) throws IOException {
            Path p = f.toPath();
            if (!Files.exists(p)) {
                return null;
            }
            Path real = p.toRealPath();
            return new Resolved(real.toString(), Files.isDirectory(real));
        }
    }

    private static final class FindExecutable extends MasterToSlaveFileCallable<Boolean> {
        private static final long serialVersionUID = 1L;
        private final String program;
        private final String path;

        FindExecutable(String program, String path) {
            this.program = program;
            this.path = path;
        }

        @Override
        public Boolean invoke(File workspace, VirtualChannel channel) {
            if (program.contains("/") || program.contains(File.separator)) {
                return Files.isExecutable(workspace.toPath().resolve(program));
            }
            String search = path != null ? path : System.getenv("PATH");
            if (search == null) {
                return false;
            }
            for (String dir : search.split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                    return true;
                }
            }
            return false;
        }
    }

    private static final class ProbeWritable extends MasterToSlaveFileCallable<Boolean> {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean invoke(File dir, VirtualChannel channel) {
            if (!dir.isDirectory()) {
                return false;
            }
            // Permission bits do not bind root and miss read-only mounts: try it.
            try {
                Files.delete(Files.createTempFile(dir.toPath(), ".release-pilot-probe-", ".tmp"));
                return true;
            } catch (IOException | SecurityException e) {
                return false;
            }
        }
    }

    private static final class ListNames extends MasterToSlaveFileCallable<List<String>> {
        private static final long serialVersionUID = 1L;

        @Override
        public List<String> invoke(File dir, VirtualChannel channel) throws IOException {
            try (Stream<Path> entries = Files.list(dir.toPath())) {
                return entries.map(p -> p.getFileName().toString()).sorted().toList();
            }
        }
    }

    private static final class WriteWhole extends MasterToSlaveFileCallable<Void> {
        private static final long serialVersionUID = 1L;
        private final byte[] content;

        WriteWhole(byte[] content) {
            this.content = content.clone();
        }

        @Override
        public Void invoke(File f, VirtualChannel channel) throws IOException {
            Path target = f.toPath();
            Path partial = target.resolveSibling(target.getFileName() + ".partial");
            Files.write(partial, content);
            Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return null;
        }
    }

    private static final class DeleteFile extends MasterToSlaveFileCallable<Void> {
        private static final long serialVersionUID = 1L;

        @Override
        public Void invoke(File f, VirtualChannel channel) throws IOException {
            Files.deleteIfExists(f.toPath());
            return null;
        }
    }

    private static final class DeleteTree extends MasterToSlaveFileCallable<Void> {
        private static final long serialVersionUID = 1L;

        @Override
        public Void invoke(File f, VirtualChannel channel) throws IOException {
            Path root = f.toPath();
            if (!Files.exists(root)) {
                return null;
            }
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
            return null;
        }
    }

    private static final class CreatePrivateDirectory extends MasterToSlaveFileCallable<String> {
        private static final long serialVersionUID = 1L;
        private final String prefix;

        CreatePrivateDirectory(String prefix) {
            this.prefix = prefix;
        }

        @Override
        public String invoke(File root, VirtualChannel channel) throws IOException {
            Files.createDirectories(root.toPath());
            Path dir = Files.createTempDirectory(root.toPath(), prefix, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            return root.toPath().relativize(dir).toString();
        }
    }

    private static final class WritePrivateTemp extends MasterToSlaveFileCallable<String> {
        private static final long serialVersionUID = 1L;
        private final String prefix;
        private final byte[] content;

        WritePrivateTemp(String prefix, byte[] content) {
            this.prefix = prefix;
            this.content = content.clone();
        }

        @Override
        public String invoke(File root, VirtualChannel channel) throws IOException {
            Files.createDirectories(root.toPath());
            Path file = Files.createTempFile(root.toPath(), prefix, ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, content);
            return root.toPath().relativize(file).toString();
        }
    }

    private static final class WritePrivateNamed extends MasterToSlaveFileCallable<String> {
        private static final long serialVersionUID = 1L;
        private final String name;
        private final byte[] content;

        WritePrivateNamed(String name, byte[] content) {
            this.name = name;
            this.content = content.clone();
        }

        @Override
        public String invoke(File dir, VirtualChannel channel) throws IOException {
            Path file = dir.toPath().resolve(name);
            if (!dir.toPath().equals(file.getParent())) {
                throw new IllegalArgumentException("not a plain file name: " + name);
            }
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(file, content);
            return name;
        }
    }

    private static final class SizeOf extends MasterToSlaveFileCallable<Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Long invoke(File f, VirtualChannel channel) throws IOException {
            return Files.size(f.toPath());
        }
    }

    private static final class MoveTo extends MasterToSlaveFileCallable<Void> {
        private static final long serialVersionUID = 1L;
        private final String to;

        MoveTo(String to) {
            this.to = to;
        }

        @Override
        public Void invoke(File from, VirtualChannel channel) throws IOException {
            Files.move(from.toPath(), Path.of(to), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return null;
        }
    }

    private static final class Sha256 extends MasterToSlaveFileCallable<String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String invoke(File f, VirtualChannel channel) throws IOException {
            MessageDigest digest;
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IOException("this Java has no SHA-256", e);
            }
            try (InputStream in = Files.newInputStream(f.toPath())) {
                byte[] buffer = new byte[1 << 16];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
            return HexFormat.of().formatHex(digest.digest());
        }
    }
}
