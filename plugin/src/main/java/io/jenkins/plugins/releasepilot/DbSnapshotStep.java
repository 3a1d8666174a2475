package io.jenkins.plugins.releasepilot;

import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.input.Names;
import io.releasepilot.engine.snapshot.DatabasePassword;
import io.releasepilot.engine.snapshot.PostgresSnapshotRequest;
import io.releasepilot.engine.snapshot.PostgresSnapshotter;
import io.releasepilot.engine.snapshot.SnapshotEngine;
import io.releasepilot.engine.snapshot.SnapshotLabels;
import io.releasepilot.engine.snapshot.SnapshotResult;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.workflow.graph.FlowNode;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.jenkinsci.plugins.workflow.steps.SynchronousNonBlockingStepExecution;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * {@code def dump = dbSnapshot engine: 'postgres', host: 'db', database: 'shop', credentialsId: 'shop-db', outputDir: 'backups'}:
 * snapshots a database before a migration and returns the snapshot id: the dump's path on the
 * agent (postgres: {@code pg_dump -Fc} there, verified with {@code pg_restore --list}, sha256
 * taken there).
 */
public class DbSnapshotStep extends Step {

    private final String engine;
    private String host;
    private int port = 5432;
    private String database;
    private String credentialsId;
    private String outputDir;
    private String snapshotId;
    private Integer retain;
    private String timeout;
    private String service;
    private String environment;
    private String release;
    private boolean dryRun;
    private String instance;
    private String cluster;
    private String region;
    private String awsCredentialsId;
    private String endpoint;

    @DataBoundConstructor
    public DbSnapshotStep(String engine) {
        this.engine = engine;
    }

    public String getEngine() {
        return engine;
    }

    public String getHost() {
        return host;
    }

    @DataBoundSetter
    public void setHost(String host) {
        this.host = Util.fixEmpty(host);
    }

    public int getPort() {
        return port;
    }

    @DataBoundSetter
    public void setPort(int port) {
        this.port = port;
    }

    public String getDatabase() {
        return database;
    }

    @DataBoundSetter
    public void setDatabase(String database) {
        this.database = Util.fixEmpty(database);
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    /** postgres: username/password credentials of the role pg_dump connects as. */
    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = Util.fixEmpty(credentialsId);
    }

    public String getOutputDir() {
        return outputDir;
    }

    /** postgres: where the dump and its manifest go on the agent: relative to the workspace (made if missing) or absolute (must exist). */
    @DataBoundSetter
    public void setOutputDir(String outputDir) {
        this.outputDir = Util.fixEmpty(outputDir);
    }

    public String getSnapshotId() {
        return snapshotId;
    }

    @DataBoundSetter
    public void setSnapshotId(String snapshotId) {
        this.snapshotId = Util.fixEmpty(snapshotId);
    }

    public Integer getRetain() {
        return retain;
    }

    @DataBoundSetter
    public void setRetain(Integer retain) {
        this.retain = retain;
    }

    public String getTimeout() {
        return timeout;
    }

    @DataBoundSetter
    public void setTimeout(String timeout) {
        this.timeout = Util.fixEmpty(timeout);
    }

    public String getService() {
        return service;
    }

    @DataBoundSetter
    public void setService(String service) {
        this.service = Util.fixEmpty(service);
    }

    public String getEnvironment() {
        return environment;
    }

    @DataBoundSetter
    public void setEnvironment(String environment) {
        this.environment = Util.fixEmpty(environment);
    }

    public String getRelease() {
        return release;
    }

    @DataBoundSetter
    public void setRelease(String release) {
        this.release = Util.fixEmpty(release);
    }

    public boolean isDryRun() {
        return dryRun;
    }

    @DataBoundSetter
    public void setDryRun(boolean dryRun) {
        this.dryRun = dryRun;
    }

    public String getInstance() {
        return instance;
    }

    /** rds: the DB instance to snapshot (or {@link #setCluster cluster}). */
    @DataBoundSetter
    public void setInstance(String instance) {
        this.instance = Util.fixEmpty(instance);
    }

    public String getCluster() {
        return cluster;
    }

    /** rds: the Aurora DB cluster to snapshot (or {@link #setInstance instance}). */
    @DataBoundSetter
    public void setCluster(String cluster) {
        this.cluster = Util.fixEmpty(cluster);
    }

    public String getRegion() {
        return region;
    }

    @DataBoundSetter
    public void setRegion(String region) {
        this.region = Util.fixEmpty(region);
    }

    public String getAwsCredentialsId() {
        return awsCredentialsId;
    }

    /** rds: username/password credentials holding the access key id and the secret access key; none: the SDK's default chain on the controller. */
    @DataBoundSetter
    public void setAwsCredentialsId(String awsCredentialsId) {
        this.awsCredentialsId = Util.fixEmpty(awsCredentialsId);
    }

    public String getEndpoint() {
        return endpoint;
    }

    /** rds: where RDS calls go instead of AWS (a stand-in such as LocalStack or a test's simulation). */
    @DataBoundSetter
    public void setEndpoint(String endpoint) {
        this.endpoint = Util.fixEmpty(endpoint);
    }

    @Override
    public StepExecution start(StepContext context) throws Exception {
        // An RDS snapshot is a wait on AWS, so it is an engine act that survives a restart; a bad engine name is reported by postgresRequest.
        if ("rds".equalsIgnoreCase(engine == null ? "" : engine.strip())) {
            return new RdsSnapshotExecution(this, context);
        }
        return new PostgresExecution(this, context);
    }

    /** pg_dump is one process on the agent, not a wait: a background thread runs it, and aborting the build kills it. */
    private static final class PostgresExecution extends SynchronousNonBlockingStepExecution<String> {
        private static final long serialVersionUID = 1L;
        private final transient DbSnapshotStep step;

        PostgresExecution(DbSnapshotStep step, StepContext context) {
            super(context);
            this.step = step;
        }

        @Override
        protected String run() throws Exception {
            StepContext ctx = getContext();
            Run<?, ?> run = ctx.get(Run.class);
            FilePath workspace = ctx.get(FilePath.class);
            if (workspace == null) {
                throw new AbortException("[" + DescriptorImpl.NAME + "] engine: 'postgres' runs pg_dump on an agent: call it inside node { }");
            }
            // The default dump name derives from the run id, so the same step of the same build names the same dump.
            RunId runId = new RunId(BuildOrigin.url(run) + "#" + ctx.get(FlowNode.class).getId());
            TaskListener listener = ctx.get(TaskListener.class);
            try {
                return step.snapshotOnAgent(run, runId, workspace, ctx.get(EnvVars.class), ctx.get(Launcher.class), listener);
            } finally {
                AuditTrail.seal(listener, DescriptorImpl.NAME);
            }
        }
    }

    /** Dumps and verifies on the build's agent: the Pipeline step and the freestyle build step both run this. */
    String snapshotOnAgent(Run<?, ?> run, RunId runId, FilePath workspace, EnvVars env, Launcher agent, TaskListener listener)
            throws Exception {
        AgentProcessLauncher launcher = new AgentProcessLauncher(agent, workspace, env);
        try {
            PostgresSnapshotRequest request = postgresRequest(run, workspace);
            createRelativeOutputDir(workspace);
            PostgresSnapshotter snapshotter = new PostgresSnapshotter(launcher, new ConsoleProgress(listener));
            snapshotter.preflight(request);
            SnapshotResult result = snapshotter.snapshot(request, runId, AuditTrail.get().store(), BuildOrigin.of(run));
            return result.location() != null ? result.location() : result.snapshotId();
        } catch (RuntimeException e) {
            throw BuildImageStep.asException(StepFailures.forBuild(DescriptorImpl.NAME, e));
        }
    }

    PostgresSnapshotRequest postgresRequest(Run<?, ?> run, FilePath workspace) throws CredentialLookupException {
        if (SnapshotEngine.parse(engine) != SnapshotEngine.POSTGRES) {
            throw new InvalidInputException("engine", engine, "postgres or rds");
        }
        require(host, "host", PostgresSnapshotRequest.HOST_FORM);
        require(database, "database", PostgresSnapshotRequest.DATABASE_FORM);
        require(credentialsId, "credentialsId", "the id of username/password credentials for the database role");
        require(outputDir, "outputDir", PostgresSnapshotRequest.OUTPUT_DIR_FORM + " (or relative to the workspace)");
        StandardUsernamePasswordCredentials login = CredentialLookup.forBuild(run, "credentialsId", credentialsId,
                CredentialKind.USERNAME_PASSWORD);
        Duration wait = timeout == null ? null : Durations.parsePositive("timeout", timeout);
        SnapshotLabels labels = new SnapshotLabels(serviceFor(database), environment, release, BuildOrigin.url(run));
        return new PostgresSnapshotRequest(host, port, database, login.getUsername(),
                DatabasePassword.of(login.getPassword().getPlainText()), workspace.child(outputDir).getRemote(), snapshotId, labels, retain,
                wait, dryRun);
    }

    /**
     * A workspace-relative output directory is made if missing, as a workspace is often fresh;
     * an absolute one must exist (a typo there should not create a tree on the agent).
     */
    void createRelativeOutputDir(FilePath workspace) throws IOException, InterruptedException {
        if (!dryRun && !outputDir.startsWith("/") && !outputDir.matches("[A-Za-z]:[\\\\/].*")) {
            workspace.child(outputDir).mkdirs();
        }
    }

    /** The service named, else the database's name in service form (lower case, '_' as '-'). */
    String serviceFor(String sourceName) {
        if (service != null) {
            return service;
        }
        String derived = sourceName.toLowerCase(Locale.ROOT).replace('_', '-');
        try {
            return Names.service(derived);
        } catch (InvalidInputException notAServiceName) {
            throw new InvalidInputException("service", null, Names.SERVICE_FORM + "; required because the database or RDS identifier '" + sourceName
                    + "' is not a service name");
        }
    }

    private static void require(Object value, String parameter, String form) {
        if (value == null) {
            throw new InvalidInputException(parameter, null, form + " (required with engine: 'postgres')");
        }
    }

    @Extension
    @Symbol(DescriptorImpl.NAME)
    public static class DescriptorImpl extends StepDescriptor {
        static final String NAME = "dbSnapshot";

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            // No FilePath: an RDS snapshot uses no agent and may wait an hour, so it runs outside node {}; postgres checks for one.
            return Set.of(Run.class, EnvVars.class, TaskListener.class, FlowNode.class);
        }

        @Override
        public String getFunctionName() {
            return NAME;
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Snapshot a database before a migration";
        }

        @POST
        public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
            return CredentialItems.forItem(item, credentialsId, CredentialKind.USERNAME_PASSWORD);
        }

        @POST
        public FormValidation doCheckEngine(@AncestorInPath Item item, @QueryParameter String value) {
            return FormChecks.check(item, value, SnapshotEngine::parse);
        }

        @POST
        public FormValidation doCheckService(@AncestorInPath Item item, @QueryParameter String value) {
            return FormChecks.check(item, value, Names::service);
        }

        @POST
        public FormValidation doCheckEnvironment(@AncestorInPath Item item, @QueryParameter String value) {
            return FormChecks.check(item, value, Names::environment);
        }

        @POST
        public FormValidation doCheckTimeout(@AncestorInPath Item item, @QueryParameter String value) {
            return FormChecks.check(item, value, text -> Durations.parsePositive("timeout", text));
        }

        @POST
        public ListBoxModel doFillAwsCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String awsCredentialsId) {
            return CredentialItems.forItem(item, awsCredentialsId, CredentialKind.USERNAME_PASSWORD);
        }
    }
}
