package io.jenkins.plugins.releasepilot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SecretBytes;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditVerifier;
import io.releasepilot.engine.audit.CheckpointKeys;
import io.releasepilot.engine.audit.Verification;
import io.releasepilot.engine.host.Origin;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.plaincredentials.impl.FileCredentialsImpl;
import org.jenkinsci.plugins.structs.describable.DescribableModel;
import org.junit.After;
import org.junit.ClassRule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;

/** The global configuration (form and JCasC shape), its credentials, and the steps' Pipeline argument models. */
public class ConfigurationTest {

    @ClassRule
    public static JenkinsRule j = new JenkinsRule();

    @After
    public void defaults() {
        ReleasePilotConfiguration config = ReleasePilotConfiguration.get();
        config.setAuditStoreUrl(null);
        config.setAuditStoreCredentialsId(null);
        config.setSigningKeyCredentialsId(null);
        config.setEnvironments("INT,UAT,PROD");
    }

    @Test
    public void everySettingSurvivesTheConfigurePage() throws Exception {
        // Given every setting filled in
        Fixtures.addLogin("store-login", "auditor", "store-pw");
        Fixtures.addSecretText("alert-token", "tok");
        ReleasePilotConfiguration config = ReleasePilotConfiguration.get();
        config.setAuditStoreUrl("jdbc:postgresql://db.example.com:5432/audit");
        config.setAuditStoreCredentialsId("store-login");
        config.setEnvironments("dev, qa, prod");
        config.setPrometheusUrl("http://prometheus:9090");
        config.setAlertmanagerUrl("http://alertmanager:9093");
        config.setAlertCredentialsId("alert-token");

        // When the configure page is opened and saved unchanged
        j.configRoundtrip();

        // Then every value is what was set (environments in their normal upper-case form)
        ReleasePilotConfiguration after = ReleasePilotConfiguration.get();
        assertThat(after.getAuditStoreUrl()).isEqualTo("jdbc:postgresql://db.example.com:5432/audit");
        assertThat(after.getAuditStoreCredentialsId()).isEqualTo("store-login");
        assertThat(after.getEnvironments()).isEqualTo("DEV,QA,PROD");
        assertThat(after.getPrometheusUrl()).isEqualTo("http://prometheus:9090");
        assertThat(after.getAlertmanagerUrl()).isEqualTo("http://alertmanager:9093");
        assertThat(after.getAlertCredentialsId()).isEqualTo("alert-token");
    }

    @Test
    public void theDefaultStoreIsSqliteUnderJenkinsHome() {
        // Given no audit store URL
        ReleasePilotConfiguration config = ReleasePilotConfiguration.get();

        // When the store location is asked
        String location = config.auditStoreLocation();

        // Then it is the release-pilot directory of JENKINS_HOME
        assertThat(location).isEqualTo(j.jenkins.getRootDir().toPath().resolve("release-pilot").toString());
    }

    @Test
    public void environmentsListingOneTwiceAreRefusedNamingTheParameter() {
        assertThatThrownBy(() -> ReleasePilotConfiguration.get().setEnvironments("INT,UAT,INT"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("invalid environments: 'INT,UAT,INT'");
    }

    @Test
    public void anAlertUrlWithAPasswordInItIsRefusedWithoutEchoingThePassword() {
        assertThatThrownBy(() -> ReleasePilotConfiguration.get().setPrometheusUrl("http://admin:hunter2@prometheus:9090"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("prometheusUrl")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    public void aSigningKeyFromASecretFileSignsCheckpointsTheMatchingPublicKeyVerifies() throws Exception {
        // Given an Ed25519 key in a secret file credential, named as the signing key
        KeyPair pair = CheckpointKeys.generate();
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        Fixtures.addCredentials(new FileCredentialsImpl(CredentialsScope.GLOBAL, "checkpoint-key", "key", "key.pem",
                SecretBytes.fromBytes(pem.getBytes(StandardCharsets.US_ASCII))));
        ReleasePilotConfiguration.get().setSigningKeyCredentialsId("checkpoint-key");

        // When a record is appended and a checkpoint signed
        AuditStore store = AuditTrail.get().store();
        store.append(AuditEvent.builder(AuditAction.NOTE, "web").reason("signed").build(), new Origin("alice", "jenkins:///test"));
        store.checkpoint();

        // Then the public half verifies every checkpoint signature
        Verification verification = AuditVerifier.verify(store, pair.getPublic());
        assertThat(verification.ok()).isTrue();
        assertThat(verification.signaturesVerified()).isGreaterThanOrEqualTo(1);
    }

    @Test
    public void aSigningKeyIdOfAUsernamePasswordFailsNamingTheKindsItMayBe() throws Exception {
        // Given a login named as the signing key
        Fixtures.addLogin("not-a-key", "u", "p");
        ReleasePilotConfiguration.get().setSigningKeyCredentialsId("not-a-key");

        // When the store is opened, then the failure names the parameter, the id and both kinds a key may be
        assertThatThrownBy(() -> AuditTrail.get().store())
                .isInstanceOf(CredentialLookupException.class)
                .hasMessage("signingKeyCredentialsId: credentials 'not-a-key' are username with password; expected secret file or secret text");
    }

    @Test
    public void buildImageArgumentsRoundTripThroughItsPipelineModel() throws Exception {
        Map<String, Object> arguments = Map.of("tags", List.of("registry.example.com/shop/web:1.0"), "context", "app",
                "buildArgs", List.of("VERSION=1.0"), "builder", "buildah", "push", false, "credentialsId", "registry", "timeout", "20m");
        assertRoundTrip(BuildImageStep.class, arguments);
    }

    @Test
    public void dbSnapshotArgumentsRoundTripThroughItsPipelineModel() throws Exception {
        Map<String, Object> arguments = Map.of("engine", "postgres", "host", "db", "port", 6543, "database", "shop",
                "credentialsId", "shop-db", "outputDir", "backups", "retain", 3, "environment", "INT");
        assertRoundTrip(DbSnapshotStep.class, arguments);
    }

    @Test
    public void deployCanaryArgumentsRoundTripThroughItsPipelineModel() throws Exception {
        Map<String, Object> arguments = Map.of("namespace", "prod", "deployment", "web", "image", "registry.example.com/web:2",
                "weight", 25, "traffic", "nginx", "smokeUrls", List.of("http://web-canary/health"), "kubeconfigCredentialsId", "prod-kube",
                "environment", "PROD", "timeout", "15m");
        assertRoundTrip(DeployCanaryStep.class, arguments);
    }

    @Test
    public void promoteArgumentsRoundTripThroughItsPipelineModel() throws Exception {
        Map<String, Object> arguments = Map.of("namespace", "prod", "deployment", "web", "hotfix", true, "reason", "CVE fix",
                "serverUrl", "https://k8s.example.com:6443", "tokenCredentialsId", "prod-token");
        assertRoundTrip(PromoteStep.class, arguments);
    }

    @Test
    public void rollbackOnAlertArgumentsRoundTripThroughItsPipelineModel() throws Exception {
        Map<String, Object> arguments = Map.of("namespace", "prod", "deployment", "web", "alerts", List.of("HighErrorRate"),
                "matchers", List.of("service=\"web\""), "prometheusUrl", "http://prometheus:9090", "window", "10m", "failureLimit", 2,
                "onError", "rollback", "alertCredentialsId", "prom-token");
        assertRoundTrip(RollbackOnAlertStep.class, arguments);
    }

    static <T> void assertRoundTrip(Class<T> type, Map<String, Object> arguments) throws Exception {
        DescribableModel<T> model = DescribableModel.of(type);
        T step = model.instantiate(arguments);
        assertThat(model.uninstantiate2(step).toMap()).isEqualTo(arguments);
    }
}
