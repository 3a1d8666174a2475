package io.releasepilot.engine.dashboard;

import static io.releasepilot.engine.dashboard.DashboardFixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.Verification;
import io.releasepilot.sandbox.MutableClock;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class VerificationCacheTest {

    private final MutableClock clock = new MutableClock(T0);

    @Test
    void anIntactTrailIsReportedIntactAfterTheBackgroundCheck() throws Exception {
        try (AuditStore store = DashboardFixtures.memoryStore(clock)) {
            DashboardFixtures.seedDeliveryStory(store, clock);
            try (Dashboard dashboard = new Dashboard(store, Dashboard.Config.defaults().withClock(clock))) {
                // The first read starts the check in the background and may or may not see it
                // finished (a race), so only the settled state is asserted.
                dashboard.verification();
                dashboard.verificationCache().awaitIdle(Duration.ofSeconds(30));
                VerificationCache.Status checked = dashboard.verification();

                assertThat(checked.state()).isEqualTo(VerificationCache.State.INTACT);
                assertThat(checked.records()).isEqualTo(8);
            }
        }
    }

    @Test
    void anEditedRecordIsReportedAsFailedNamingIt() throws Exception {
        String url = "jdbc:h2:mem:verify-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        try (AuditStore store = AuditStores.open(new AuditStores.Config(url).withClock(clock))) {
            DashboardFixtures.seedDeliveryStory(store, clock);
            try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
                s.executeUpdate("UPDATE audit_record SET reason = 'nothing to see' WHERE seq = 6");
            }
            try (Dashboard dashboard = new Dashboard(store, Dashboard.Config.defaults().withClock(clock))) {
                dashboard.verification();
                dashboard.verificationCache().awaitIdle(Duration.ofSeconds(30));
                VerificationCache.Status status = dashboard.verification();

                assertThat(status.state()).isEqualTo(VerificationCache.State.FAILED);
                assertThat(status.problem().seq()).isEqualTo(6);
                assertThat(status.problem().kind()).isEqualTo(Verification.Kind.HASH);
            }
        }
    }

    @Test
    void aNewCheckWaitsForTheInterval() throws Exception {
        try (AuditStore store = DashboardFixtures.memoryStore(clock)) {
            DashboardFixtures.seedDeliveryStory(store, clock);
            Dashboard dashboard = new Dashboard(store, Dashboard.Config.defaults().withClock(clock)
                    .withVerifyInterval(Duration.ofMinutes(5)));
            dashboard.verification();
            dashboard.verificationCache().awaitIdle(Duration.ofSeconds(30));
            DashboardFixtures.seedDeliveryStory(store, clock);

            dashboard.verification();
            dashboard.verificationCache().awaitIdle(Duration.ofSeconds(30));
            long beforeInterval = dashboard.verification().records();
            clock.advance(Duration.ofMinutes(6));
            dashboard.verification();
            dashboard.verificationCache().awaitIdle(Duration.ofSeconds(30));
            long afterInterval = dashboard.verification().records();

            dashboard.close();

            assertThat(beforeInterval).isEqualTo(8);
            assertThat(afterInterval).isEqualTo(16);
        }
    }
}
