package io.releasepilot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.kube.CanaryRollback;
import io.releasepilot.engine.kube.RollbackRequest;
import io.releasepilot.engine.kube.RollbackResult;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "rollback", mixinStandardHelpOptions = true,
        description = {"Undo the canary (its traffic to 0, then removed) or, after a promote, restore the release before it.",
            "--to-release restores any release promoted earlier in the environment."})
final class RollbackCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DeploymentOptions deploymentOptions;

    @Option(names = "--to-release", paramLabel = "R", description = "A release promoted earlier to restore.")
    String toRelease;

    @Option(names = "--service", paramLabel = "S",
            description = "Logical service name for the audit trail. Default: the one deploy-canary recorded, else the deployment name.")
    String service;

    @Option(names = "--reason", paramLabel = "TEXT", description = "Why, for the audit record.")
    String reason;

    @Option(names = "--timeout", defaultValue = "5m", paramLabel = "DUR",
            description = "How long the restored Deployment may take to be fully available. Default: ${DEFAULT-VALUE}.")
    String timeout;

    @Option(names = "--wait-for-lock", defaultValue = "0s", paramLabel = "DUR",
            description = "How long to wait while another run holds the Deployment's lease. Default: ${DEFAULT-VALUE} (exit 3 at once, naming that run).")
    String waitForLock;

    @Override
    public Integer call() {
        CliContext ctx = new CliContext(spec);
        RollbackRequest request = new RollbackRequest(deploymentOptions.namespace, deploymentOptions.deployment, toRelease, reason == null || reason.isBlank() ? null : reason.strip(),
                Durations.parsePositive("timeout", timeout), service);
        Duration leaseWait = Durations.parse("wait-for-lock", waitForLock);
        ctx.validateKubeconfig();
        ProgressListener console = line -> (ctx.json() ? ctx.err() : ctx.out()).println(line);
        try (ActAudit audit = ctx.openAct(ctx.json() ? ctx.err() : ctx.out()); KubernetesClient client = ctx.kubernetesClient()) {
            RollbackResult r = ctx.await(new CanaryRollback(client, audit.store(), ctx.origin(), console).withLeaseWait(leaseWait)
                    .start(request, ctx.runId()));
            if (!ctx.json()) {
                audit.finish(null);
            } else {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("namespace", r.namespace());
                o.put("deployment", r.deployment());
                o.put("restoredImage", r.restoredImage());
                o.put("release", r.release());
                o.put("rolledBack", r.rolledBack());
                o.put("canaryRemoved", r.canaryRemoved());
                o.put("changed", r.changed());
                o.put("auditSeq", r.auditSeq());
                audit.finish(o);
                ctx.out().println(o);
            }
        }
        return 0;
    }
}
