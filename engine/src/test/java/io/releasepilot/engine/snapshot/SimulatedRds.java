package io.releasepilot.engine.snapshot;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.matching;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * A SIMULATED Amazon RDS (and STS) for tests: WireMock on 127.0.0.1 answering the RDS query
 * protocol with XML shaped like the real service's responses and errors (API version 2014-10-31).
 * No AWS is reachable from here; the real AWS SDK v2 client talks to this.
 */
public final class SimulatedRds implements AutoCloseable {

    public static final String ACCOUNT = "123456789012";
    public static final String REGION = "eu-west-1";
    private static final String NS = "http://rds.amazonaws.com/doc/2014-10-31/";

    private final WireMockServer server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());

    public SimulatedRds() {
        server.start();
        // as RDS answers for an identifier it does not know; a test's own stubs (priority 5) win
        server.stubFor(action("DescribeDBSnapshots").withRequestBody(containing("DBSnapshotIdentifier=")).atPriority(10)
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "text/xml")
                        .withBody(error("DBSnapshotNotFound", "DBSnapshot not found."))));
        server.stubFor(action("DescribeDBClusterSnapshots").withRequestBody(containing("DBClusterSnapshotIdentifier=")).atPriority(10)
                .willReturn(aResponse().withStatus(404).withHeader("Content-Type", "text/xml")
                        .withBody(error("DBClusterSnapshotNotFoundFault", "DBClusterSnapshot not found."))));
    }

    /** What RDS answers to DescribeDBSnapshots for an identifier it does not know (yet). */
    public static Map.Entry<Integer, String> snapshotNotFound() {
        return Map.entry(404, error("DBSnapshotNotFound", "DBSnapshot not found."));
    }

    public WireMockServer server() {
        return server;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    /** Access with static test keys, to this simulated endpoint, retrying throttled calls quickly. */
    public AwsAccess access() {
        return AwsAccess.keys(REGION, "AKIATESTTESTTESTTEST", "test-secret-key".toCharArray(), null)
                .withEndpoints(endpoint(), endpoint())
                .withRetryBaseDelay(java.time.Duration.ofMillis(10));
    }

    public static MappingBuilder action(String action) {
        return post(urlEqualTo("/")).withRequestBody(matching("(?s)(.*&)?Action=" + action + "(&.*)?"));
    }

    public void stub(MappingBuilder mapping, int status, String xml) {
        server.stubFor(mapping.willReturn(aResponse().withStatus(status).withHeader("Content-Type", "text/xml").withBody(xml)));
    }

    /** A sequence of answers to one action, one per call; the last repeats. */
    public void stubSequence(String scenario, Supplier<MappingBuilder> base, List<Map.Entry<Integer, String>> answers) {
        String state = Scenario.STARTED;
        for (int i = 0; i < answers.size(); i++) {
            String next = i == answers.size() - 1 ? state : scenario + "-" + (i + 1);
            ScenarioMappingBuilder m = base.get().inScenario(scenario).whenScenarioStateIs(state);
            if (!next.equals(state)) {
                m = m.willSetStateTo(next);
            }
            server.stubFor(m.willReturn(aResponse().withStatus(answers.get(i).getKey()).withHeader("Content-Type", "text/xml")
                    .withBody(answers.get(i).getValue())));
            state = next;
        }
    }

    public static String ok(String action, String result) {
        return "<" + action + "Response xmlns=\"" + NS + "\">\n  <" + action + "Result>\n" + result + "\n  </" + action + "Result>\n"
                + "  <ResponseMetadata><RequestId>" + UUID.randomUUID() + "</RequestId></ResponseMetadata>\n</" + action + "Response>";
    }

    /** An RDS error response as the service sends it. */
    public static String error(String code, String message) {
        return "<ErrorResponse xmlns=\"" + NS + "\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>" + code + "</Code>\n    <Message>"
                + message + "</Message>\n  </Error>\n  <RequestId>" + UUID.randomUUID() + "</RequestId>\n</ErrorResponse>";
    }

    public static String instance(String id, String status) {
        return "<DBInstances><DBInstance>"
                + "<DBInstanceIdentifier>" + id + "</DBInstanceIdentifier><DBInstanceClass>db.t3.medium</DBInstanceClass>"
                + "<Engine>postgres</Engine><EngineVersion>15.4</EngineVersion><DBInstanceStatus>" + status + "</DBInstanceStatus>"
                + "<MasterUsername>app</MasterUsername><AllocatedStorage>100</AllocatedStorage>"
                + "<DBInstanceArn>arn:aws:rds:" + REGION + ":" + ACCOUNT + ":db:" + id + "</DBInstanceArn>"
                + "</DBInstance></DBInstances>";
    }

    public static String cluster(String id, String status) {
        return "<DBClusters><DBCluster>"
                + "<DBClusterIdentifier>" + id + "</DBClusterIdentifier><Engine>aurora-postgresql</Engine>"
                + "<EngineVersion>15.4</EngineVersion><Status>" + status + "</Status>"
                + "<DBClusterArn>arn:aws:rds:" + REGION + ":" + ACCOUNT + ":cluster:" + id + "</DBClusterArn>"
                + "</DBCluster></DBClusters>";
    }

    public static String snapshotArn(String id) {
        return "arn:aws:rds:" + REGION + ":" + ACCOUNT + ":snapshot:" + id;
    }

    public static String clusterSnapshotArn(String id) {
        return "arn:aws:rds:" + REGION + ":" + ACCOUNT + ":cluster-snapshot:" + id;
    }

    /** One {@code <DBSnapshot>}; {@code managedBy} null for a snapshot someone else took. */
    public static String snapshot(String id, String instance, String status, int progress, Instant created, String managedBy) {
        return "<DBSnapshot>"
                + "<DBSnapshotIdentifier>" + id + "</DBSnapshotIdentifier>"
                + "<DBInstanceIdentifier>" + instance + "</DBInstanceIdentifier>"
                + "<Engine>postgres</Engine><EngineVersion>15.4</EngineVersion><SnapshotType>manual</SnapshotType>"
                + "<Status>" + status + "</Status><PercentProgress>" + progress + "</PercentProgress><AllocatedStorage>100</AllocatedStorage>"
                + (created == null ? "" : "<SnapshotCreateTime>" + created + "</SnapshotCreateTime>")
                + "<DBSnapshotArn>" + snapshotArn(id) + "</DBSnapshotArn>"
                + "<TagList>" + (managedBy == null ? "<Tag><Key>team</Key><Value>dba</Value></Tag>"
                : "<Tag><Key>release-pilot:managed-by</Key><Value>" + managedBy + "</Value></Tag>"
                + "<Tag><Key>release-pilot:service</Key><Value>orders</Value></Tag>") + "</TagList>"
                + "</DBSnapshot>";
    }

    public static String clusterSnapshot(String id, String cluster, String status, int progress, Instant created, String managedBy) {
        return "<DBClusterSnapshot>"
                + "<DBClusterSnapshotIdentifier>" + id + "</DBClusterSnapshotIdentifier>"
                + "<DBClusterIdentifier>" + cluster + "</DBClusterIdentifier>"
                + "<Engine>aurora-postgresql</Engine><SnapshotType>manual</SnapshotType>"
                + "<Status>" + status + "</Status><PercentProgress>" + progress + "</PercentProgress>"
                + (created == null ? "" : "<SnapshotCreateTime>" + created + "</SnapshotCreateTime>")
                + "<DBClusterSnapshotArn>" + clusterSnapshotArn(id) + "</DBClusterSnapshotArn>"
                + "<TagList>" + (managedBy == null ? "" : "<Tag><Key>release-pilot:managed-by</Key><Value>" + managedBy + "</Value></Tag>")
                + "</TagList>"
                + "</DBClusterSnapshot>";
    }

    /** STS AssumeRole answering with temporary credentials. */
    public void stubAssumeRole(String accessKeyId, String secret, String sessionToken) {
        stub(action("AssumeRole"), 200, "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n<AssumeRoleResult>"
                + "<AssumedRoleUser><AssumedRoleId>AROA3XFRBF535PLBIFPI4:release-pilot</AssumedRoleId>"
                + "<Arn>arn:aws:sts::" + ACCOUNT + ":assumed-role/deployer/release-pilot</Arn></AssumedRoleUser>"
                + "<Credentials><AccessKeyId>" + accessKeyId + "</AccessKeyId><SecretAccessKey>" + secret + "</SecretAccessKey>"
                + "<SessionToken>" + sessionToken + "</SessionToken><Expiration>" + Instant.now().plusSeconds(3600) + "</Expiration>"
                + "</Credentials></AssumeRoleResult>\n<ResponseMetadata><RequestId>" + UUID.randomUUID()
                + "</RequestId></ResponseMetadata>\n</AssumeRoleResponse>");
    }

    @Override
    public void close() {
        server.stop();
    }
}
