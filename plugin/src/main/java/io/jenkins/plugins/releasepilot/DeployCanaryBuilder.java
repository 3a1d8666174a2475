package io.jenkins.plugins.releasepilot;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.releasepilot.engine.kube.CanaryDeploy;
import io.releasepilot.engine.kube.CanaryRequest;
import org.kohsuke.stapler.DataBoundConstructor;

/**
 * {@code deployCanary} as a freestyle build step: the step's own request and cluster access, the
 * engine's act, awaited on the build's executor (a freestyle build holds its executor anyway;
 * aborting the build stops the act through the engine).
 */
public class DeployCanaryBuilder extends ReleaseBuilder<DeployCanaryStep> {

    @DataBoundConstructor
    public DeployCanaryBuilder(DeployCanaryStep step) {
        super(step);
    }

    @Override
    protected String act(DeployCanaryStep step, Run<?, ?> run, FilePath workspace, EnvVars env, Launcher launcher, TaskListener listener)
            throws Exception {
        CanaryRequest request = step.request();
        KubernetesAccess access = step.access();
        access.validate();
        try (SharedClients.Lease cluster = access.connect(run, workspace, env)) {
            return DeployCanaryStep.toMap(new CanaryDeploy(cluster.client(), AuditTrail.get().store(), BuildOrigin.of(run), new ConsoleProgress(listener),
                    ReleasePilotConfiguration.get().lifecycle()).start(request, runId(run)).await()).toString();
        }
    }

    @Override
    protected String name() {
        return DeployCanaryStep.DescriptorImpl.NAME;
    }

    @Extension
    public static class DescriptorImpl extends ReleaseBuilderDescriptor {
        public DescriptorImpl() {
            super(DeployCanaryStep.class);
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Release Pilot: deploy a canary beside the stable Kubernetes Deployment";
        }
    }
}
