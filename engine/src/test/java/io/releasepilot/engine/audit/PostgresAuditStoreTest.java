package io.releasepilot.engine.audit;

import io.releasepilot.engine.testing.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The store contract on a real PostgreSQL server started for this class. */
class PostgresAuditStoreTest extends AuditStoreContract {

    private static PostgresServer server;

    @BeforeAll
    static void startServer() {
        server = PostgresServer.start();
    }

    @AfterAll
    static void stopServer() {
        server.close();
    }

    @Override
    AuditStore newStore(CheckpointSigner signer) {
        String db = server.createDatabase();
        return AuditStores.open(new AuditStores.Config(server.jdbcUrl(db))
                .withCredentials(PostgresServer.SUPERUSER, PostgresServer.PASSWORD.toCharArray())
                .withSigner(signer));
    }
}
