package io.releasepilot.engine.audit;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on the embedded default: an SQLite file in a directory. */
class EmbeddedAuditStoreTest extends AuditStoreContract {

    private static final AtomicInteger STORES = new AtomicInteger();

    @TempDir
    Path dir;

    @Override
    AuditStore newStore(CheckpointSigner signer) {
        return AuditStores.open(new AuditStores.Config(dir.resolve("store-" + STORES.incrementAndGet()).toString()).withSigner(signer));
    }
}
