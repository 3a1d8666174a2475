package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import io.releasepilot.engine.release.Lifecycle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/** A simulated cluster, an in-memory audit trail and a console that remembers its lines. */
final class KubeFixture implements AutoCloseable {

    static final String NS = "shop";
    static final String V1 = "registry.example.com/web@sha256:" + "1".repeat(64);
    static final String V2 = "registry.example.com/web@sha256:" + "2".repeat(64);
    static final String V3 = "registry.example.com/web@sha256:" + "3".repeat(64);
    static final Origin ORIGIN = new Origin("alice", "https://jenkins.example.com/job/web/7/");

    final SimulatedCluster cluster = new SimulatedCluster(NS);
    final AuditStore store = AuditStores.open(new AuditStores.Config("jdbc:h2:mem:kube" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"));
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    final ProgressListener console = lines::add;

    /** The engine objects' shared parts for acts through {@code client}, leases living {@code leaseTtl}. */
    CanaryRun run(io.fabric8.kubernetes.client.KubernetesClient client, Duration leaseTtl) {
        return new CanaryRun(client, store, ORIGIN, console, Lifecycle.DEFAULT).withLeaseTtl(leaseTtl);
    }

    /** The lease annotation on a Deployment, or null when none is held. */
    RunLock lease(String name) {
        String text = deployment(name).getMetadata().getAnnotations().get(RunLock.ANNOTATION);
        return text == null ? null : RunLock.decode(text);
    }

    CanaryDeploy deploy() {
        return new CanaryDeploy(cluster.client(), store, ORIGIN, console, Lifecycle.DEFAULT);
    }

    /** A deployCanary whose registry lookup answers from {@code digests} (tag reference → sha256:…). */
    CanaryDeploy deployResolving(java.util.Map<String, String> digests) {
        return deploy().withDigests(image -> {
            String digest = digests.get(image);
            if (digest == null) {
                throw new io.releasepilot.engine.EnvironmentException("registry has no manifest for " + image);
            }
            return digest;
        });
    }

    CanaryPromote promote() {
        return new CanaryPromote(cluster.client(), store, ORIGIN, console, Lifecycle.DEFAULT);
    }

    CanaryRollback rollback() {
        return new CanaryRollback(cluster.client(), store, ORIGIN, console);
    }

    static CanaryRequest canary(String deployment, String image, int weight) {
        return canary(deployment, image, weight, "INT", Duration.ofSeconds(20));
    }

    static CanaryRequest canary(String deployment, String image, int weight, String environment, Duration timeout) {
        return new CanaryRequest(NS, deployment, ContainerImage.parse("image", image), null, weight, TrafficRouting.replicas,
                environment, null, timeout, false, null);
    }

    static PromoteRequest promoteIn(String deployment, String environment) {
        return new PromoteRequest(NS, deployment, environment, false, null, Duration.ofSeconds(20));
    }

    Deployment deployment(String name) {
        return cluster.client().apps().deployments().inNamespace(NS).withName(name).get();
    }

    String imageOf(String name) {
        Deployment d = deployment(name);
        return d == null ? null : d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    int replicasOf(String name) {
        return deployment(name).getSpec().getReplicas();
    }

    CanaryState state(String name) {
        return CanaryState.of(deployment(name));
    }

    List<AuditRecord> records() {
        List<AuditRecord> newestFirst = store.list(AuditFilter.newest(1000));
        List<AuditRecord> oldestFirst = new ArrayList<>(newestFirst);
        Collections.reverse(oldestFirst);
        return oldestFirst;
    }

    @Override
    public void close() {
        store.close();
        cluster.close();
    }
}
