package io.jenkins.plugins.releasepilot;

import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.snapshot.AwsAccess;
import io.releasepilot.engine.snapshot.RdsSnapshotRequest;
import io.releasepilot.engine.snapshot.RdsSnapshotter;
import io.releasepilot.engine.snapshot.SnapshotLabels;
import io.releasepilot.engine.snapshot.SnapshotResult;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import org.jenkinsci.plugins.workflow.steps.StepContext;

/**
 * {@code dbSnapshot engine: 'rds'}: an RDS snapshot of a DB instance or an Aurora cluster, taken and
 * waited for by the engine's {@link RdsSnapshotter}. The wait is an engine act: what is saved here is
 * how to reach AWS again (region, credentials id, endpoint: never the secret), and after a
 * controller restart {@link #reattach} resumes the recorded snapshot and deadline by the run id.
 */
final class RdsSnapshotExecution extends ActStepExecution<SnapshotResult> {

    private static final long serialVersionUID = 1L;
    static final String ENDPOINT_FORM = "an http or https URL such as http://127.0.0.1:4566 (a stand-in for AWS)";

    /** The step's arguments, only needed to start: after a restart the engine's record says what is snapshotted. */
    private final transient DbSnapshotStep step;
    private final String region;
    private final String awsCredentialsId;
    private final String endpoint;

    RdsSnapshotExecution(DbSnapshotStep step, StepContext context) throws IOException, InterruptedException {
        super(context, DbSnapshotStep.DescriptorImpl.NAME);
        this.step = step;
        this.region = step.getRegion();
        this.awsCredentialsId = step.getAwsCredentialsId();
        this.endpoint = step.getEndpoint();
    }

    @Override
    protected ActHandle<SnapshotResult> begin(Session session) throws Exception {
        RdsSnapshotRequest request = request(session);
        return connect(session).start(request, session.id);
    }

    @Override
    protected ActHandle<SnapshotResult> reattach(Session session) throws Exception {
        return connect(session).resume(session.id);
    }

    @Override
    protected Object returnValue(SnapshotResult result) {
        return result.snapshotId();
    }

    private RdsSnapshotRequest request(Session session) {
        String instance = step.getInstance();
        String cluster = step.getCluster();
        if ((instance == null) == (cluster == null)) {
            throw new InvalidInputException(instance == null ? "instance" : "cluster", instance == null ? null : cluster,
                    "exactly one of instance: 'DB instance id' or cluster: 'Aurora DB cluster id' (required with engine: 'rds', not both)");
        }
        RdsSnapshotRequest.Source source = instance != null ? RdsSnapshotRequest.Source.instance(instance)
                : RdsSnapshotRequest.Source.cluster(cluster);
        Duration wait = step.getTimeout() == null ? null : Durations.parsePositive("timeout", step.getTimeout());
        SnapshotLabels labels = new SnapshotLabels(step.serviceFor(source.identifier()), step.getEnvironment(), step.getRelease(),
                BuildOrigin.url(session.run));
        return new RdsSnapshotRequest(source, step.getSnapshotId(), labels, step.getRetain(), wait, step.isDryRun());
    }

    /** The snapshotter for this build's AWS login; closed (its SDK client with it) when the act ends. */
    private RdsSnapshotter connect(Session session) throws IOException {
        if (region == null) {
            throw new InvalidInputException("region", null, AwsAccess.REGION_FORM + " (required with engine: 'rds')");
        }
        AwsAccess access;
        if (awsCredentialsId == null) {
            access = AwsAccess.defaultChain(region);
        } else {
            StandardUsernamePasswordCredentials keys = CredentialLookup.forBuild(session.run, "awsCredentialsId", awsCredentialsId,
                    CredentialKind.USERNAME_PASSWORD);
            access = AwsAccess.keys(region, keys.getUsername(), keys.getPassword().getPlainText().toCharArray(), null);
        }
        if (endpoint != null) {
            URI uri = endpointUri(endpoint);
            access = access.withEndpoints(uri, uri);
        }
        RdsSnapshotter snapshotter = RdsSnapshotter.connect(access, AuditTrail.get().store(), BuildOrigin.of(session.run),
                session.progress());
        onEnd(snapshotter::close);
        return snapshotter;
    }

    static URI endpointUri(String value) {
        try {
            URI uri = new URI(value);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null && uri.getUserInfo() == null) {
                return uri;
            }
        } catch (java.net.URISyntaxException notAUri) {
            // reported below with the accepted form
        }
        // A login in the URL is not echoed: the message reaches the console.
        throw new InvalidInputException("endpoint", value.replaceAll("//[^/@]*@", "//…@"), ENDPOINT_FORM);
    }
}
