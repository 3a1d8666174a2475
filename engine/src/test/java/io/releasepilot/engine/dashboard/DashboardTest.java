package io.releasepilot.engine.dashboard;

import static io.releasepilot.engine.dashboard.DashboardFixtures.JENKINS;
import static io.releasepilot.engine.dashboard.DashboardFixtures.T0;
import static io.releasepilot.engine.dashboard.DashboardFixtures.image;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.release.Placement;
import io.releasepilot.sandbox.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DashboardTest {

    private final MutableClock clock = new MutableClock(T0);
    private AuditStore store;
    private Dashboard dashboard;

    @BeforeEach
    void seed() {
        store = DashboardFixtures.memoryStore(clock);
        DashboardFixtures.seedDeliveryStory(store, clock);
        dashboard = new Dashboard(store, Dashboard.Config.defaults().withClock(clock));
    }

    @AfterEach
    void close() {
        dashboard.close();
        store.close();
    }

    @Test
    void matrixShowsTheStableReleaseAndTheRunningCanaryOfEachCell() {
        Dashboard.Summary summary = dashboard.summary();

        assertThat(summary.environments()).containsExactly("INT", "UAT", "PROD");
        assertThat(summary.services()).containsExactly("api", "web");
        Placement webProd = cell(summary, "web", "PROD");
        assertThat(webProd.release()).isEqualTo("1.4.0");
        assertThat(webProd.image()).isEqualTo(image("web", 1));
        assertThat(webProd.canaryWeight()).isNull();
        assertThat(webProd.byOrigin()).isEqualTo(JENKINS.origin());
        Placement apiUat = cell(summary, "api", "UAT");
        assertThat(apiUat.canaryWeight()).isEqualTo(25);
        assertThat(apiUat.canaryRelease()).isEqualTo("2.0.0");
        assertThat(apiUat.since()).isEqualTo(T0.plus(Duration.ofHours(5)));
    }

    @Test
    void aRecordAppendedAfterASummaryAppearsInTheNextOne() {
        dashboard.summary();
        store.append(AuditEvent.builder(AuditAction.CANARY_ADVANCED, "api").environment("UAT").release("2.0.0")
                .image(image("api", 7)).detail("weight", 50).build(), JENKINS);

        Dashboard.Summary summary = dashboard.summary();

        assertThat(summary.records()).isEqualTo(9);
        assertThat(cell(summary, "api", "UAT").canaryWeight()).isEqualTo(50);
    }

    @Test
    void doraFiguresFollowTheirDefinitions() {
        DoraFigures d = dashboard.dora();

        assertThat(d.environment()).isEqualTo("PROD");
        assertThat(d.deployments()).isEqualTo(1);
        assertThat(d.deploymentsPerDay()).isEqualTo(1 / 30.0);
        assertThat(d.changes()).isEqualTo(2);
        assertThat(d.failedChanges()).isEqualTo(1);
        assertThat(d.changeFailureRate()).isEqualTo(0.5);
        assertThat(d.restores()).isEqualTo(1);
        assertThat(d.medianRestoreSeconds()).isEqualTo(30 * 60.0);
        assertThat(d.leadTimes()).isEqualTo(1);
        assertThat(d.medianLeadSeconds()).isEqualTo(2 * 3600.0);
    }

    @Test
    void recordsAppendedAfterTheFirstReadAreCounted() {
        dashboard.dora();
        store.append(AuditEvent.builder(AuditAction.PROMOTED, "api").environment("PROD").release("2.0.0")
                .image(image("api", 7)).build(), JENKINS);

        DoraFigures d = dashboard.dora();

        assertThat(d.deployments()).isEqualTo(2);
        assertThat(d.changes()).isEqualTo(3);
        assertThat(d.leadTimes()).isEqualTo(1);
    }

    @Test
    void deploymentsOlderThanTheWindowNoLongerCount() {
        dashboard.dora();
        clock.advance(Duration.ofDays(31));

        DoraFigures d = dashboard.dora();

        assertThat(d.deployments()).isZero();
        assertThat(d.changes()).isZero();
        assertThat(d.changeFailureRate()).isNull();
        assertThat(d.medianLeadSeconds()).isNull();
    }

    @Test
    void aDashboardOpenedLaterReadsOnlyTheWindowAndStillCountsIt() {
        clock.advance(Duration.ofDays(20));
        try (Dashboard later = new Dashboard(store, Dashboard.Config.defaults().withClock(clock))) {
            assertThat(later.dora().deployments()).isEqualTo(1);
        }
        clock.advance(Duration.ofDays(60));
        try (Dashboard muchLater = new Dashboard(store, Dashboard.Config.defaults().withClock(clock))) {
            assertThat(muchLater.dora().deployments()).isZero();
        }
    }

    @Test
    void windowCountsAndCanaryDurationsArePerEnvironment() {
        assertThat(dashboard.promotionsInWindow()).containsEntry("PROD", 1).containsEntry("INT", 1);
        assertThat(dashboard.rollbacksInWindow()).containsEntry("PROD", 1);
        assertThat(dashboard.canaryDurationsInWindow()).containsExactlyInAnyOrder(3600.0, 1800.0);
    }

    @Test
    void historyPagesNewestFirst() {
        Dashboard.HistoryPage first = dashboard.history("web", null, 4);
        assertThat(first.records()).extracting(r -> r.event().action()).containsExactly(
                AuditAction.ROLLED_BACK, AuditAction.ALERT_FIRED, AuditAction.CANARY_STARTED, AuditAction.PROMOTED);
        assertThat(first.nextBefore()).isEqualTo(first.records().get(3).seq());

        Dashboard.HistoryPage second = dashboard.history("web", first.nextBefore(), 4);

        assertThat(second.records()).extracting(r -> r.event().action())
                .containsExactly(AuditAction.CANARY_STARTED, AuditAction.IMAGE_BUILT);
        assertThat(second.nextBefore()).isNull();
    }

    @Test
    void aPageLargerThanTheLimitIsRefusedWithTheAcceptedForm() {
        assertThatThrownBy(() -> dashboard.newest(201))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid limit: '201' (expected a whole number from 1 to 200)");
    }

    @Test
    void anInvalidServiceNameIsRefused() {
        assertThatThrownBy(() -> dashboard.history("Web_Shop", null, 10))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("invalid service: 'Web_Shop'");
    }

    private static Placement cell(Dashboard.Summary summary, String service, String environment) {
        return summary.cells().stream()
                .filter(p -> p.service().equals(service) && p.environment().equals(environment))
                .findFirst().orElseThrow();
    }
}
