package io.jenkins.plugins.releasepilot;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Run;
import hudson.model.TaskListener;
import io.releasepilot.engine.act.ActScheduler;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.alert.AlertSource;
import io.releasepilot.engine.alert.AlertWatch;
import io.releasepilot.engine.alert.WatchOptions;
import io.releasepilot.engine.alert.WatchReport;
import io.releasepilot.engine.alert.WatchRequest;
import io.releasepilot.engine.alert.WatchSubject;
import io.releasepilot.engine.kube.CanaryRollback;
import io.releasepilot.engine.kube.KubeRollbackTarget;
import org.kohsuke.stapler.DataBoundConstructor;

/**
 * {@code rollbackOnAlert} as a freestyle build step: watches the step's alert source for its
 * window and rolls the Deployment back when an alert fires (the build then fails naming it).
 * The source, options and subject come from the step's own {@code WatchSpec}; an Alertmanager
 * push to the Jenkins webhook wakes it like the Pipeline step.
 */
public class RollbackOnAlertBuilder extends ReleaseBuilder<RollbackOnAlertStep> {

    @DataBoundConstructor
    public RollbackOnAlertBuilder(RollbackOnAlertStep step) {
        super(step);
    }

    @Override
    protected String act(RollbackOnAlertStep step, Run<?, ?> run, FilePath workspace, EnvVars env, Launcher launcher,
                         TaskListener listener) throws Exception {
        RollbackOnAlertStep.WatchSpec spec = new RollbackOnAlertStep.WatchSpec(step);
        WatchOptions options = spec.options();
        WatchSubject subject = spec.subject();
        spec.access.validate();
        RunId id = runId(run);
        ConsoleProgress progress = new ConsoleProgress(listener);
        try (AlertSource source = spec.source(run, options.interval()); SharedClients.Lease cluster = spec.access.connect(run, workspace, env)) {
            CanaryRollback rollback = new CanaryRollback(cluster.client(), AuditTrail.get().store(), BuildOrigin.of(run), progress,
                    ReleasePilotConfiguration.get().lifecycle(), ActScheduler.shared());
            WatchRequest request = new WatchRequest(source, options, subject, new KubeRollbackTarget(rollback, subject.namespace(),
                    subject.deployment(), id));
            WatchReport report = new AlertWatch(AuditTrail.get().store(), BuildOrigin.of(run), progress)
                    .withWakeup(AlertmanagerWebhookAction.wakeup()).start(request, id).await();
            return "no alert fired in " + report.watched().toSeconds() + " s (" + report.observations() + " observations, "
                    + report.sourceErrors() + " source errors)";
        }
    }

    @Override
    protected String name() {
        return RollbackOnAlertStep.DescriptorImpl.NAME;
    }

    @Extension
    public static class DescriptorImpl extends ReleaseBuilderDescriptor {
        public DescriptorImpl() {
            super(RollbackOnAlertStep.class);
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Release Pilot: watch alerts and roll back when they fire";
        }
    }
}
