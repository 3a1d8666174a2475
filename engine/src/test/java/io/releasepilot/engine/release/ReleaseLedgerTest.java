package io.releasepilot.engine.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReleaseLedgerTest {

    private static final Origin JENKINS = new Origin("alice", "https://jenkins.example.com/job/shop/42/");
    private static final String V1 = "registry.example.com/shop/web@sha256:" + "1".repeat(64);
    private static final String V2 = "registry.example.com/shop/web@sha256:" + "2".repeat(64);

    private final AuditStore store = AuditStores.open(new AuditStores.Config("jdbc:h2:mem:ledger-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
    private final ReleaseLedger ledger = new ReleaseLedger(store, Lifecycle.DEFAULT);

    @AfterEach
    void close() {
        store.close();
    }

    private void promoted(String service, String environment, String image, String release) {
        store.append(AuditEvent.builder(AuditAction.PROMOTED, service).environment(environment).image(image).release(release).build(), JENKINS);
    }

    @Test
    void theFirstEnvironmentHasNoGate() {
        GateDecision decision = ledger.mayEnter("web", V1, "int");

        assertThat(decision.allowed()).isTrue();
        assertThat(decision.reason()).contains("INT is the first environment");
    }

    @Test
    void aDigestMayNotSkipAnEnvironment() {
        promoted("web", "INT", V1, "1.0");

        GateDecision decision = ledger.mayEnter("web", V1, "PROD");

        assertThat(decision.allowed()).isFalse();
        assertThat(decision.reason()).isEqualTo(V1 + " may not enter PROD: sha256:" + "1".repeat(64) + " of web was never promoted in UAT (lifecycle INT -> UAT -> PROD)");
    }

    @Test
    void aDigestPromotedInTheEnvironmentBeforeMayEnter() {
        promoted("web", "INT", V1, "1.0");
        promoted("web", "UAT", V1, "1.0");

        GateDecision uat = ledger.mayEnter("web", V1, "UAT");
        GateDecision prod = ledger.mayEnter("web", V1, "PROD");

        assertThat(uat.allowed()).isTrue();
        assertThat(prod.allowed()).isTrue();
        assertThat(prod.evidence().event().environment()).isEqualTo("UAT");
    }

    @Test
    void anotherDigestOfTheSameServiceDoesNotOpenTheGate() {
        promoted("web", "INT", V1, "1.0");

        assertThat(ledger.mayEnter("web", V2, "UAT").allowed()).isFalse();
    }

    @Test
    void anotherServicesPromotionOfTheSameDigestDoesNotOpenTheGate() {
        promoted("api", "INT", V1, "1.0");

        GateDecision decision = ledger.mayEnter("web", V1, "UAT");

        assertThat(decision.allowed()).isFalse();
        assertThat(decision.reason()).contains("of web was never promoted in INT");
    }

    @Test
    void theDigestOpensTheGateWhateverTagOrRegistryNameItWasPromotedUnder() {
        promoted("web", "INT", "mirror.example.com/shop/web:1.0@sha256:" + "1".repeat(64), "1.0");

        assertThat(ledger.mayEnter("web", V1, "UAT").allowed()).isTrue();
    }

    @Test
    void aTagIsDeniedInAGatedEnvironmentEvenIfItWasPromotedBefore() {
        promoted("web", "INT", "registry.example.com/shop/web:1.0", "1.0");

        GateDecision decision = ledger.mayEnter("web", "registry.example.com/shop/web:1.0", "UAT");

        assertThat(decision.allowed()).isFalse();
        assertThat(decision.reason()).contains("is not pinned to a digest").contains("deploy by digest");
    }

    @Test
    void aFailedPromotionDoesNotOpenTheGate() {
        store.append(AuditEvent.builder(AuditAction.PROMOTED, "web").environment("INT").image(V1).outcome(Outcome.FAILED).build(), JENKINS);

        assertThat(ledger.mayEnter("web", V1, "UAT").allowed()).isFalse();
    }

    @Test
    void anEnvironmentOutsideTheLifecycleIsInvalidInput() {
        assertThatThrownBy(() -> ledger.mayEnter("web", V1, "STAGING"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid environment: 'STAGING' (expected one of the lifecycle's environments INT, UAT, PROD)");
    }

    @Test
    void whatRunsWhereShowsTheStableReleaseAndTheCanaryBesideIt() {
        promoted("web", "PROD", V1, "1.0");
        store.append(AuditEvent.builder(AuditAction.CANARY_ADVANCED, "web").environment("PROD").image(V2).previousImage(V1)
                .release("1.1").detail("weight", 25).build(), JENKINS);
        promoted("api", "INT", V2, "2.0");

        List<Placement> placements = ledger.whatRunsWhere();

        assertThat(placements).extracting(Placement::service, Placement::environment)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("api", "INT"), org.assertj.core.groups.Tuple.tuple("web", "PROD"));
        Placement web = placements.get(1);
        assertThat(web.release()).isEqualTo("1.0");
        assertThat(web.image()).isEqualTo(V1);
        assertThat(web.canaryImage()).isEqualTo(V2);
        assertThat(web.canaryWeight()).isEqualTo(25);
        assertThat(web.canaryRelease()).isEqualTo("1.1");
        assertThat(web.byOrigin()).isEqualTo(JENKINS.origin());
    }

    @Test
    void aCanaryShowsTheWeightTheClusterRunsAndTheAskedOneBesideIt() {
        promoted("web", "PROD", V1, "1.0");
        store.append(AuditEvent.builder(AuditAction.CANARY_STARTED, "web").environment("PROD").image(V2).previousImage(V1)
                .release("1.1").detail("weight", 10).detail("effectiveWeight", 25).build(), JENKINS);

        Placement web = ledger.whatRunsWhere().get(0);

        assertThat(web.canaryWeight()).isEqualTo(25);
        assertThat(web.canaryAskedWeight()).isEqualTo(10);
    }

    @Test
    void aCanaryRunningTheAskedWeightShowsNoAskedWeight() {
        store.append(AuditEvent.builder(AuditAction.CANARY_STARTED, "web").environment("INT").image(V2)
                .release("1.1").detail("weight", 25).detail("effectiveWeight", 25).build(), JENKINS);

        Placement web = ledger.whatRunsWhere().get(0);

        assertThat(web.canaryWeight()).isEqualTo(25);
        assertThat(web.canaryAskedWeight()).isNull();
    }

    @Test
    void cellsAreOrderedByTheLifecycleNotAlphabetically() {
        promoted("web", "PROD", V1, "1");
        promoted("web", "INT", V1, "1");
        promoted("web", "UAT", V1, "1");

        assertThat(ledger.whatRunsWhere()).extracting(Placement::environment).containsExactly("INT", "UAT", "PROD");
    }

    @Test
    void aLifecycleNamesEachEnvironmentOnce() {
        assertThatThrownBy(() -> Lifecycle.parse("INT,UAT,int"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("each named once");
        assertThat(Lifecycle.parse("dev, staging ,prod").environments()).containsExactly("DEV", "STAGING", "PROD");
        assertThat(Lifecycle.parse("dev,staging,prod").after("STAGING")).contains("PROD");
    }
}
