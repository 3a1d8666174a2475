package io.releasepilot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.kube.CanaryPromote;
import io.releasepilot.engine.kube.PromoteRequest;
import io.releasepilot.engine.kube.PromoteResult;
import io.releasepilot.engine.release.Lifecycle;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "promote", mixinStandardHelpOptions = true,
        description = {"Make the canary the new stable release: stable to the canary's image, fully available, then the canary removed.",
            "The release must have been promoted in the environment before (INT -> UAT -> PROD) unless --hotfix --reason."})
final class PromoteCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DeploymentOptions deploymentOptions;

    @Option(names = "--environment", paramLabel = "E", description = "Environment the release enters. Default: the canary's.")
    String environment;

    @Option(names = "--service", paramLabel = "S",
            description = "Logical service name for the lifecycle gate and the audit trail. Default: the one deploy-canary recorded, else the deployment name.")
    String service;

    @Option(names = "--hotfix", description = "Pass the lifecycle gate (needs --reason; audited as HOTFIX).")
    boolean hotfix;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why the hotfix skips the lifecycle gate.")
    String reason;

    @Option(names = "--timeout", defaultValue = "10m", paramLabel = "DUR",
            description = "How long the stable Deployment may take to be fully available. Default: ${DEFAULT-VALUE}.")
    String timeout;

    @Option(names = "--wait-for-lock", defaultValue = "0s", paramLabel = "DUR",
            description = "How long to wait while another run holds the Deployment's lease. Default: ${DEFAULT-VALUE} (exit 3 at once, naming that run).")
    String waitForLock;

    @Override
    public Integer call() {
        CliContext ctx = new CliContext(spec);
        PromoteRequest request = new PromoteRequest(deploymentOptions.namespace, deploymentOptions.deployment, environment, hotfix, reason,
                Durations.parsePositive("timeout", timeout), service);
        Lifecycle lifecycle = ctx.lifecycle();
        if (environment != null) {
            lifecycle.requireKnown(environment);
        }
        Duration leaseWait = Durations.parse("wait-for-lock", waitForLock);
        ctx.validateKubeconfig();
        ProgressListener console = line -> (ctx.json() ? ctx.err() : ctx.out()).println(line);
        try (ActAudit audit = ctx.openAct(ctx.json() ? ctx.err() : ctx.out()); KubernetesClient client = ctx.kubernetesClient()) {
            PromoteResult r = ctx.await(new CanaryPromote(client, audit.store(), ctx.origin(), console, lifecycle).withLeaseWait(leaseWait)
                    .start(request, ctx.runId()));
            if (!ctx.json()) {
                audit.finish(null);
            } else {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("namespace", r.namespace());
                o.put("deployment", r.deployment());
                o.put("environment", r.environment());
                o.put("image", r.image());
                o.put("release", r.release());
                o.put("previousImage", r.previousImage());
                o.put("changed", r.changed());
                o.put("auditSeq", r.auditSeq());
                audit.finish(o);
                ctx.out().println(o);
            }
        }
        return 0;
    }
}
