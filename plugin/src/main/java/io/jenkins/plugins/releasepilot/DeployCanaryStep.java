package io.jenkins.plugins.releasepilot;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.kube.CanaryDeploy;
import io.releasepilot.engine.kube.CanaryRequest;
import io.releasepilot.engine.kube.CanaryResult;
import io.releasepilot.engine.kube.ContainerImage;
import io.releasepilot.engine.kube.DeliveryStrategy;
import io.releasepilot.engine.kube.SmokeCheck;
import io.releasepilot.engine.kube.TrafficRouting;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code def canary = deployCanary namespace: 'prod', deployment: 'web', image: ref, weight: 10}:
 * puts the image beside the stable Deployment at a traffic weight and waits until it is healthy;
 * again with a higher weight it advances the same canary. Returns a map of where the canary stands.
 * The wait survives a controller restart and keeps its deadline; aborting the build cancels it
 * through the engine and frees the Deployment at once.
 */
public class DeployCanaryStep extends KubernetesStep {

    private final String image;
    private int weight = CanaryRequest.DEFAULT_WEIGHT;
    private String container;
    private String traffic;
    private String strategy;
    private String timeout;
    private String scaleDownDelay;
    private List<String> smokeUrls = List.of();
    private boolean hotfix;
    private String reason;

    @DataBoundConstructor
    public DeployCanaryStep(String namespace, String deployment, String image) {
        super(namespace, deployment);
        this.image = Util.fixEmpty(image);
    }

    public String getImage() {
        return image;
    }

    public int getWeight() {
        return weight;
    }

    /** Percent of requests for the canary, 1-100; default 10. */
    @DataBoundSetter
    public void setWeight(int weight) {
        this.weight = weight;
    }

    public String getContainer() {
        return container;
    }

    @DataBoundSetter
    public void setContainer(String container) {
        this.container = Util.fixEmpty(container);
    }

    public String getTraffic() {
        return traffic;
    }

    /** {@code replicas} (default), {@code nginx}, {@code gateway} or {@code istio}. */
    @DataBoundSetter
    public void setTraffic(String traffic) {
        this.traffic = Util.fixEmpty(traffic);
    }

    public String getStrategy() {
        return strategy;
    }

    /** {@code canary} (default) or {@code blue-green}. */
    @DataBoundSetter
    public void setStrategy(String strategy) {
        this.strategy = Util.fixEmpty(strategy);
    }

    public String getTimeout() {
        return timeout;
    }

    /** The progress deadline, e.g. {@code 10m} (the default). */
    @DataBoundSetter
    public void setTimeout(String timeout) {
        this.timeout = Util.fixEmpty(timeout);
    }

    public String getScaleDownDelay() {
        return scaleDownDelay;
    }

    @DataBoundSetter
    public void setScaleDownDelay(String scaleDownDelay) {
        this.scaleDownDelay = Util.fixEmpty(scaleDownDelay);
    }

    public List<String> getSmokeUrls() {
        return smokeUrls;
    }

    /** HTTP GETs ({@code URL} or {@code URL=STATUS}) the ready canary must answer before it gets traffic. */
    @DataBoundSetter
    public void setSmokeUrls(List<String> smokeUrls) {
        this.smokeUrls = smokeUrls == null ? List.of() : List.copyOf(smokeUrls);
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

    @DataBoundSetter
    public void setReason(String reason) {
        this.reason = Util.fixEmpty(reason);
    }

    /** The engine's request, validated as the CLI validates it. */
    CanaryRequest request() {
        if (image == null) {
            throw new InvalidInputException("image", null, ContainerImage.ACCEPTED_FORM);
        }
        if (reason != null && !hotfix) {
            throw new InvalidInputException("reason", reason, "a reason only together with hotfix: true");
        }
        CanaryRequest request = new CanaryRequest(getNamespace(), getDeployment(), ContainerImage.parse("image", image), container, weight,
                traffic == null ? null : TrafficRouting.parse("traffic", traffic), getEnvironment(), getService(),
                timeout == null ? CanaryRequest.DEFAULT_TIMEOUT : Durations.parsePositive("timeout", timeout), hotfix, reason,
                smokeUrls.stream().map(u -> SmokeCheck.parse("smokeUrls", u)).toList(), strategy == null ? DeliveryStrategy.CANARY : DeliveryStrategy.parse("strategy", strategy),
                scaleDownDelay == null ? null : Durations.parse("scaleDownDelay", scaleDownDelay));
        if (request.environment() != null) {
            ReleasePilotConfiguration.get().lifecycle().requireKnown(request.environment());
        }
        return request;
    }

    @Override
    public StepExecution start(StepContext context) throws IOException, InterruptedException {
        return new Execution(this, context);
    }

    /** What deployCanary returns to the Pipeline. */
    static Map<String, Object> toMap(CanaryResult r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("namespace", r.namespace());
        out.put("deployment", r.deployment());
        out.put("image", r.image());
        out.put("release", r.release());
        out.put("stableImage", r.stableImage());
        out.put("weight", r.weight());
        out.put("effectiveWeight", r.effectiveWeight());
        out.put("canaryReplicas", r.canaryReplicas());
        out.put("stableReplicas", r.stableReplicas());
        out.put("changed", r.changed());
        out.put("auditSeq", r.auditSeq());
        return out;
    }

    private static final class Execution extends ActStepExecution<CanaryResult> {
        private static final long serialVersionUID = 1L;
        private final transient DeployCanaryStep step;
        private final String namespace;
        private final String deployment;

        Execution(DeployCanaryStep step, StepContext context) throws IOException, InterruptedException {
            super(context, DescriptorImpl.NAME, step.access());
            this.step = step;
            this.namespace = step.getNamespace();
            this.deployment = step.getDeployment();
        }

        @Override
        protected ActHandle<CanaryResult> begin(Session session) throws Exception {
            CanaryRequest request = step.request();
            step.access().validate();
            return engine(session).start(request, session.id);
        }

        @Override
        protected ActHandle<CanaryResult> reattach(Session session) throws Exception {
            return engine(session).resume(session.id, namespace, deployment);
        }

        private CanaryDeploy engine(Session session) throws IOException, InterruptedException {
            return new CanaryDeploy(session.kubernetes(), AuditTrail.get().store(), BuildOrigin.of(session.run), session.progress(),
                    ReleasePilotConfiguration.get().lifecycle());
        }

        @Override
        protected Object returnValue(CanaryResult result) {
            return toMap(result);
        }
    }

    @Extension
    @Symbol(DescriptorImpl.NAME)
    public static class DescriptorImpl extends KubernetesStepDescriptor {
        static final String NAME = "deployCanary";

        @Override
        public String getFunctionName() {
            return NAME;
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Deploy a canary beside the stable Kubernetes Deployment";
        }
    }
}
