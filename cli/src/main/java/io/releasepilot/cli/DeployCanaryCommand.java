package io.releasepilot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.kube.CanaryDeploy;
import io.releasepilot.engine.kube.CanaryRequest;
import io.releasepilot.engine.kube.CanaryResult;
import io.releasepilot.engine.kube.ContainerImage;
import io.releasepilot.engine.kube.DeliveryStrategy;
import io.releasepilot.engine.kube.SmokeCheck;
import io.releasepilot.engine.kube.TrafficRouting;
import io.releasepilot.engine.release.Lifecycle;
import io.releasepilot.engine.image.RegistryDigests;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "deploy-canary", mixinStandardHelpOptions = true,
        description = {"Put a new image beside the stable Deployment at a traffic weight and wait until it is healthy.",
            "Run it again with a higher weight to advance the same canary. See docs/canary.md."})
final class DeployCanaryCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DeploymentOptions deploymentOptions;

    /** How long the registry may take to say which digest a tag points at. */
    private static final Duration REGISTRY_TIMEOUT = Duration.ofSeconds(10);

    @Option(names = "--image", required = true, paramLabel = "REF",
            description = {"The canary's image: a digest reference where you have one.",
                "A tag is resolved to its digest by asking the registry (anonymously) and deployed pinned to it;",
                "where that fails, a tag enters only the lifecycle's first environment."})
    String image;

    @Option(names = "--container", paramLabel = "C", description = "The container whose image changes. Default: the only one.")
    String container;

    @Option(names = "--weight", defaultValue = "" + CanaryRequest.DEFAULT_WEIGHT, paramLabel = "N",
            description = "Percent of traffic for the canary, 1-100. Default: ${DEFAULT-VALUE}.")
    int weight;

    @Option(names = "--strategy", defaultValue = "canary", paramLabel = "canary|blue-green",
            description = {"canary: a weighted canary beside the stable Deployment;",
                "blue-green: a full-size preview that takes no traffic until promote switches the Service at once. Default: ${DEFAULT-VALUE}."})
    String strategy;

    @Option(names = "--scale-down-delay", paramLabel = "DUR",
            description = "blue-green: how long the previous release stays after promote switches traffic (a rollback then is instant). Default: 30s.")
    String scaleDownDelay;

    @Option(names = "--traffic", paramLabel = "replicas|nginx|gateway|istio",
            description = {"How traffic reaches the canary: replicas (a <deployment>-canary Deployment sized to the weight),",
                "nginx (canary Ingress), gateway (HTTPRoute backend weights), istio (VirtualService weights).",
                "Default: the running canary's, else replicas."})
    String traffic;

    @Option(names = "--environment", paramLabel = "E",
            description = "Environment (lifecycle gate, audit). Default: as recorded on the Deployment, else the lifecycle's first (see --lifecycle).")
    String environment;

    @Option(names = "--service", paramLabel = "S", description = "Logical service name for the audit trail. Default: the deployment name.")
    String service;

    @Option(names = "--timeout", defaultValue = "10m", paramLabel = "DUR", description = "Progress deadline. Default: ${DEFAULT-VALUE}.")
    String timeout;

    @Option(names = "--smoke-url", paramLabel = "URL",
            description = "An HTTP check the ready canary must pass before it gets traffic: URL (expects 200) or URL=STATUS; 3 attempts, 2 s apart. Repeatable.")
    List<String> smokeUrls = new ArrayList<>();

    @Option(names = "--hotfix", description = "Pass the lifecycle gate (needs --reason; audited as HOTFIX).")
    boolean hotfix;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why the hotfix skips the lifecycle gate.")
    String reason;

    @Option(names = "--wait-for-lock", defaultValue = "0s", paramLabel = "DUR",
            description = "How long to wait while another run holds the Deployment's lease. Default: ${DEFAULT-VALUE} (exit 3 at once, naming that run).")
    String waitForLock;

    @Override
    public Integer call() {
        CliContext ctx = new CliContext(spec);
        DeliveryStrategy chosen = DeliveryStrategy.parse("strategy", strategy);
        if (reason != null && !hotfix) {
            throw new InvalidInputException("reason", reason, "a reason only together with --hotfix");
        }
        CanaryRequest request = new CanaryRequest(deploymentOptions.namespace, deploymentOptions.deployment, ContainerImage.parse("image", image), container, weight,
                traffic == null ? null : TrafficRouting.parse("traffic", traffic), environment, service, Durations.parsePositive("timeout", timeout), hotfix, reason,
                smokeUrls.stream().map(u -> SmokeCheck.parse("smoke-url", u)).toList(), chosen,
                scaleDownDelay == null ? null : Durations.parse("scale-down-delay", scaleDownDelay));
        Lifecycle lifecycle = ctx.lifecycle();
        if (environment != null) {
            lifecycle.requireKnown(environment);
        }
        Duration leaseWait = Durations.parse("wait-for-lock", waitForLock);
        ctx.validateKubeconfig();
        ProgressListener console = line -> (ctx.json() ? ctx.err() : ctx.out()).println(line);
        try (ActAudit audit = ctx.openAct(ctx.json() ? ctx.err() : ctx.out()); KubernetesClient client = ctx.kubernetesClient()) {
            CanaryResult r = ctx.await(new CanaryDeploy(client, audit.store(), ctx.origin(), console, lifecycle).withLeaseWait(leaseWait)
                    .withDigests(new RegistryDigests(REGISTRY_TIMEOUT, null)).start(request, ctx.runId()));
            if (!ctx.json()) {
                audit.finish(null);
            } else {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("namespace", r.namespace());
                o.put("deployment", r.deployment());
                o.put("image", r.image());
                o.put("release", r.release());
                o.put("stableImage", r.stableImage());
                o.put("weight", r.weight());
                o.put("effectiveWeight", r.effectiveWeight());
                o.put("canaryReplicas", r.canaryReplicas());
                o.put("stableReplicas", r.stableReplicas());
                o.put("changed", r.changed());
                o.put("auditSeq", r.auditSeq());
                audit.finish(o);
                ctx.out().println(o);
            }
        }
        return 0;
    }
}
