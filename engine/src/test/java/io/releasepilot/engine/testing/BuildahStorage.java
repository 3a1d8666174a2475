package io.releasepilot.engine.testing;

import io.releasepilot.engine.image.BuildahBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A private buildah store (vfs driver, its own root and run root) so test runs and benches never
 * share images or locks with each other or with the machine's own store. Removed by {@link #close()}.
 */
public final class BuildahStorage implements AutoCloseable {

    public static final String PROGRAM = "/usr/bin/buildah";

    private final Path dir;

    private BuildahStorage(Path dir) {
        this.dir = dir;
    }

    public static BuildahStorage create() {
        if (!Files.isExecutable(Path.of(PROGRAM))) {
            throw new IllegalStateException(PROGRAM + " is missing: install the Debian packages 'buildah' and 'runc' (.ci/run does)");
        }
        try {
            return new BuildahStorage(Files.createTempDirectory(Path.of("/tmp"), "rp-buildah-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public BuildahBuilder.Storage storage() {
        return new BuildahBuilder.Storage(dir.resolve("root").toString(), dir.resolve("runroot").toString(), "vfs");
    }

    public BuildahBuilder builder() {
        return new BuildahBuilder(PROGRAM, storage());
    }

    /** A containers-storage.conf naming this store, for a process that reads {@code CONTAINERS_STORAGE_CONF}. */
    public Path storageConf() {
        Path conf = dir.resolve("storage.conf");
        try {
            Files.writeString(conf, "[storage]\ndriver = \"vfs\"\nrunroot = \"" + dir.resolve("runroot") + "\"\ngraphroot = \""
                    + dir.resolve("root") + "\"\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return conf;
    }

    @Override
    public void close() {
        RegistryServer.deleteTree(dir);
    }
}
