package io.jenkins.plugins.releasepilot;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Run;
import hudson.model.TaskListener;
import org.kohsuke.stapler.DataBoundConstructor;

/** {@code dbSnapshot} as a freestyle build step: dumps the database on the build's agent, as the Pipeline step does. */
public class DbSnapshotBuilder extends ReleaseBuilder<DbSnapshotStep> {

    @DataBoundConstructor
    public DbSnapshotBuilder(DbSnapshotStep step) {
        super(step);
    }

    @Override
    protected String act(DbSnapshotStep step, Run<?, ?> run, FilePath workspace, EnvVars env, Launcher launcher, TaskListener listener)
            throws Exception {
        return step.snapshotOnAgent(run, runId(run), workspace, env, launcher, listener);
    }

    @Override
    protected String name() {
        return DbSnapshotStep.DescriptorImpl.NAME;
    }

    @Extension
    public static class DescriptorImpl extends ReleaseBuilderDescriptor {
        public DescriptorImpl() {
            super(DbSnapshotStep.class);
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Release Pilot: snapshot a database before a migration";
        }
    }
}
