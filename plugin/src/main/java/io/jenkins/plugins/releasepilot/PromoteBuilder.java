package io.jenkins.plugins.releasepilot;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.releasepilot.engine.kube.CanaryPromote;
import io.releasepilot.engine.kube.PromoteRequest;
import org.kohsuke.stapler.DataBoundConstructor;

/**
 * {@code promote} as a freestyle build step: the step's own request and cluster access, the
 * engine's act, awaited on the build's executor (a freestyle build holds its executor anyway;
 * aborting the build stops the act through the engine).
 */
public class PromoteBuilder extends ReleaseBuilder<PromoteStep> {

    @DataBoundConstructor
    public PromoteBuilder(PromoteStep step) {
        super(step);
    }

    @Override
    protected String act(PromoteStep step, Run<?, ?> run, FilePath workspace, EnvVars env, Launcher launcher, TaskListener listener)
            throws Exception {
        PromoteRequest request = step.request();
        KubernetesAccess access = step.access();
        access.validate();
        try (SharedClients.Lease cluster = access.connect(run, workspace, env)) {
            return PromoteStep.toMap(new CanaryPromote(cluster.client(), AuditTrail.get().store(), BuildOrigin.of(run), new ConsoleProgress(listener),
                    ReleasePilotConfiguration.get().lifecycle()).start(request, runId(run)).await()).toString();
        }
    }

    @Override
    protected String name() {
        return PromoteStep.DescriptorImpl.NAME;
    }

    @Extension
    public static class DescriptorImpl extends ReleaseBuilderDescriptor {
        public DescriptorImpl() {
            super(PromoteStep.class);
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Release Pilot: promote the canary to the stable Kubernetes release";
        }
    }
}
