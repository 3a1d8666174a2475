package io.jenkins.plugins.releasepilot;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.kube.CanaryPromote;
import io.releasepilot.engine.kube.PromoteRequest;
import io.releasepilot.engine.kube.PromoteResult;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code promote namespace: 'prod', deployment: 'web'}: makes the canary the new stable release
 * (stable updated and fully available, traffic shifted back, canary removed, in that order), gated
 * by the lifecycle unless {@code hotfix: true} with a {@code reason}. Returns a map of the result.
 * Resumable and cancellable like deployCanary.
 */
public class PromoteStep extends KubernetesStep {

    private boolean hotfix;
    private String reason;
    private String timeout;

    @DataBoundConstructor
    public PromoteStep(String namespace, String deployment) {
        super(namespace, deployment);
    }

    public boolean isHotfix() {
        return hotfix;
    }

    @DataBoundSetter
    public void setHotfix(boolean hotfix) {
        this.hotfix = hotfix;
    }

    public String getReason() {
        return reason;
    }

    /** Why a hotfix skips the lifecycle gate; audited as HOTFIX. */
    @DataBoundSetter
    public void setReason(String reason) {
        this.reason = Util.fixEmpty(reason);
    }

    public String getTimeout() {
        return timeout;
    }

    @DataBoundSetter
    public void setTimeout(String timeout) {
        this.timeout = Util.fixEmpty(timeout);
    }

    PromoteRequest request() {
        if (reason != null && !hotfix) {
            throw new InvalidInputException("reason", reason, "a reason only together with hotfix: true");
        }
        PromoteRequest request = new PromoteRequest(getNamespace(), getDeployment(), getEnvironment(), hotfix, reason,
                timeout == null ? PromoteRequest.DEFAULT_TIMEOUT : Durations.parsePositive("timeout", timeout));
        if (getEnvironment() != null) {
            ReleasePilotConfiguration.get().lifecycle().requireKnown(getEnvironment());
        }
        return request;
    }

    @Override
    public StepExecution start(StepContext context) throws IOException, InterruptedException {
        return new Execution(this, context);
    }

    static Map<String, Object> toMap(PromoteResult r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("namespace", r.namespace());
        out.put("deployment", r.deployment());
        out.put("environment", r.environment());
        out.put("image", r.image());
        out.put("release", r.release());
        out.put("previousImage", r.previousImage());
        out.put("changed", r.changed());
        out.put("auditSeq", r.auditSeq());
        return out;
    }

    private static final class Execution extends ActStepExecution<PromoteResult> {
        private static final long serialVersionUID = 1L;
        private final transient PromoteStep step;
        private final String namespace;
        private final String deployment;

        Execution(PromoteStep step, StepContext context) throws IOException, InterruptedException {
            super(context, DescriptorImpl.NAME, step.access());
            this.step = step;
            this.namespace = step.getNamespace();
            this.deployment = step.getDeployment();
        }

        @Override
        protected ActHandle<PromoteResult> begin(Session session) throws Exception {
            PromoteRequest request = step.request();
            step.access().validate();
            return engine(session).start(request, session.id);
        }

        @Override
        protected ActHandle<PromoteResult> reattach(Session session) throws Exception {
            return engine(session).resume(session.id, namespace, deployment);
        }

        private CanaryPromote engine(Session session) throws IOException, InterruptedException {
            return new CanaryPromote(session.kubernetes(), AuditTrail.get().store(), BuildOrigin.of(session.run), session.progress(),
                    ReleasePilotConfiguration.get().lifecycle());
        }

        @Override
        protected Object returnValue(PromoteResult result) {
            return toMap(result);
        }
    }

    @Extension
    @Symbol(DescriptorImpl.NAME)
    public static class DescriptorImpl extends KubernetesStepDescriptor {
        static final String NAME = "promote";

        @Override
        public String getFunctionName() {
            return NAME;
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Promote the canary to the stable Kubernetes release";
        }
    }
}
