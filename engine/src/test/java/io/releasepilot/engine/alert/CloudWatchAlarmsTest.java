package io.releasepilot.engine.alert;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.host.Origin;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;

/**
 * CloudWatch alarms through the real AWS SDK v2 client against WireMock, a simulated CloudWatch
 * answering in the Smithy RPC v2 CBOR protocol this SDK speaks.
 */
class CloudWatchAlarmsTest {

    static final String DESCRIBE_ALARMS = "/service/GraniteServiceVersion20100801/operation/DescribeAlarms";
    static final Instant SINCE = Instant.parse("2026-11-22T01:02:03Z");

    WireMockServer cloudWatch;
    CloudWatchClient client;
    AuditStore store;
    final RecordingRollbackTarget target = new RecordingRollbackTarget();
    final RecordingProgress progress = new RecordingProgress();

    @BeforeEach
    void start() {
        cloudWatch = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        cloudWatch.start();
        client = CloudWatchClient.builder()
                .endpointOverride(URI.create(cloudWatch.baseUrl()))
                .region(Region.EU_WEST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "not-a-real-secret")))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(c -> c.retryStrategy(RetryMode.STANDARD).apiCallTimeout(Duration.ofSeconds(5)))
                .build();
        store = AuditStores.open(new AuditStores.Config("jdbc:h2:mem:cw" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
    }

    @AfterEach
    void stop() {
        client.close();
        cloudWatch.stop();
        store.close();
    }

    void answer(String alarmName, String state) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (CBORGenerator g = new CBORFactory().createGenerator(bytes)) {
            g.writeStartObject();
            g.writeFieldName("MetricAlarms");
            g.writeStartArray();
            g.writeStartObject();
            g.writeStringField("AlarmName", alarmName);
            g.writeStringField("StateValue", state);
            g.writeStringField("StateReason", "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).");
            g.writeFieldName("StateUpdatedTimestamp");
            g.writeTag(1);
            g.writeNumber((double) SINCE.getEpochSecond());
            g.writeStringField("Namespace", "AWS/ApplicationELB");
            g.writeStringField("MetricName", "HTTPCode_Target_5XX_Count");
            g.writeFieldName("Dimensions");
            g.writeStartArray();
            g.writeStartObject();
            g.writeStringField("Name", "TargetGroup");
            g.writeStringField("Value", "targetgroup/web-canary/73e2d6bc24d8a067");
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
            g.writeFieldName("CompositeAlarms");
            g.writeStartArray();
            g.writeEndArray();
            g.writeEndObject();
        }
        cloudWatch.stubFor(post(urlEqualTo(DESCRIBE_ALARMS)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/cbor").withHeader("smithy-protocol", "rpc-v2-cbor").withBody(bytes.toByteArray())));
    }

    TestWatch watch(WatchOptions options) {
        return new TestWatch(new AlertWatch(store, new Origin("tester", "cli://test"), progress),
                new WatchRequest(CloudWatchAlarms.of(List.of("web-canary-5xx"), client), options, new WatchSubject("web", "PROD", "shop", "web"),
                        target), progress);
    }

    static WatchOptions quick(Duration window) {
        return new WatchOptions(window, Duration.ofMillis(100), 2, OnError.FAIL, 2);
    }

    @Test
    void alarmInStateAlarmRollsBackNamingTheAlarmAndSince() throws IOException {
        answer("web-canary-5xx", "ALARM");

        assertThatThrownBy(() -> watch(quick(Duration.ofSeconds(20))).watch())
                .isInstanceOf(DeploymentFailedException.class)
                .hasMessageStartingWith("rolled back shop/web: alert web-canary-5xx{TargetGroup=\"targetgroup/web-canary/73e2d6bc24d8a067\", "
                        + "metric=\"HTTPCode_Target_5XX_Count\", namespace=\"AWS/ApplicationELB\"} firing since 2026-11-22T01:02:03Z (value Threshold Crossed");
        assertThat(target.calls).containsExactly("zeroTraffic", "rollBack");
        List<AuditRecord> fired = store.list(new AuditFilter(null, null, AuditAction.ALERT_FIRED, null, 10));
        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).event().details()).containsEntry("alert", "web-canary-5xx").containsEntry("since", "2026-11-22T01:02:03Z");
        cloudWatch.verify(postRequestedFor(urlEqualTo(DESCRIBE_ALARMS)));
    }

    @Test
    void alarmInStateOkDoesNotCount() throws Exception {
        answer("web-canary-5xx", "OK");

        WatchReport report = watch(quick(Duration.ofMillis(600))).watch();

        assertThat(target.calls).isEmpty();
        assertThat(report.sourceErrors()).isZero();
        assertThat(report.observations()).isGreaterThan(2);
    }

    @Test
    void alarmCloudWatchDoesNotKnowIsInvalidInputBeforeWatching() throws IOException {
        answer("some-other-alarm", "ALARM");

        assertThatThrownBy(() -> watch(quick(Duration.ofSeconds(5))).watch())
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid cloudwatch-alarm: 'web-canary-5xx' (expected the name of an alarm that exists");
        assertThat(target.calls).isEmpty();
    }

    @Test
    void cloudWatchErrorsAreCountedObservationsUntilOnErrorApplies() {
        cloudWatch.stubFor(post(urlEqualTo(DESCRIBE_ALARMS)).willReturn(aResponse().withStatus(403)
                .withHeader("Content-Type", "application/cbor").withHeader("smithy-protocol", "rpc-v2-cbor")));

        assertThatThrownBy(() -> watch(quick(Duration.ofSeconds(20))).watch())
                .isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("failed 2 observations in a row")
                .hasMessageContaining("CloudWatch DescribeAlarms failed");
        assertThat(target.calls).isEmpty();
        assertThat(progress.text()).contains("could not check the source before watching")
                .doesNotContain("not-a-real-secret").doesNotContain("AKIDEXAMPLE");
    }
}
