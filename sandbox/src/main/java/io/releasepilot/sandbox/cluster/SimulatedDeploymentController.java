package io.releasepilot.sandbox.cluster;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;

/**
 * A SIMULATED Deployment controller, for tests and benchmarks against fabric8's CRUD mock (which
 * has no controllers): for each Deployment in any namespace it keeps a ReplicaSet per pod template,
 * creates and deletes Pods, makes them ready after a delay (or never, or crash-looping, per image),
 * scales old ReplicaSets down as new pods become ready, writes the Deployment's status, and
 * deletes ReplicaSets and Pods whose owner is gone. It is not Kubernetes; it is just faithful
 * enough for the engine's waits and reconciles to be exercised.
 */
public final class SimulatedDeploymentController implements AutoCloseable {

    private static final Logger LOGGER = Logger.getLogger(SimulatedDeploymentController.class.getName());
    private static final Duration CRASH_PERIOD = Duration.ofMillis(100);

    private final KubernetesClient client;
    private final ScheduledExecutorService loop;
    private final SharedIndexInformer<Deployment> deployments;
    private final SharedIndexInformer<ReplicaSet> replicaSets;
    private final SharedIndexInformer<Pod> pods;
    private final Map<String, PodBehaviour> behaviours = new ConcurrentHashMap<>();
    private final Map<String, Instant> podStarts = new ConcurrentHashMap<>();
    private final AtomicLong podNames = new AtomicLong();
    private volatile Duration readyAfter = Duration.ofMillis(100);
    private final SharedIndexInformer<io.fabric8.kubernetes.api.model.Service> services;
    private final List<ServingSample> timeline = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile String recordedService;

    /**
     * @param client a client whose user agent is {@link FaultInjectingDispatcher#CONTROLLER_AGENT},
     *               so its requests are not counted or failed
     */
    public SimulatedDeploymentController(KubernetesClient client) {
        this.client = client;
        // Every namespace, as a real cluster's controller: Deployments applied anywhere get pods.
        this.deployments = client.apps().deployments().inAnyNamespace().inform();
        this.replicaSets = client.apps().replicaSets().inAnyNamespace().inform();
        this.pods = client.pods().inAnyNamespace().inform();
        this.services = client.services().inAnyNamespace().inform();
        this.loop = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "simulated-deployment-controller");
            t.setDaemon(true);
            return t;
        });
        loop.scheduleWithFixedDelay(this::tick, 0, 20, TimeUnit.MILLISECONDS);
    }

    /** Pods running {@code image} behave so (default: healthy). */
    public SimulatedDeploymentController behave(String image, PodBehaviour behaviour) {
        behaviours.put(image, behaviour);
        return this;
    }

    /** How long a healthy pod takes to become ready: the knob for slow rollouts. */
    public SimulatedDeploymentController readyAfter(Duration delay) {
        this.readyAfter = delay;
        return this;
    }

    /**
     * From now on, records after every tick how many ready pods Service {@code service} sends
     * requests to (its selector as it is then), and each Deployment's desired replicas: the
     * timeline a capacity test replays. Replaces an earlier recording.
     */
    public void recordServing(String service) {
        timeline.clear();
        recordedService = service;
    }

    /** The samples recorded since {@link #recordServing}, oldest first. */
    public List<ServingSample> timeline() {
        return List.copyOf(timeline);
    }

    private void sample() {
        String service = recordedService;
        if (service == null) {
            return;
        }
        io.fabric8.kubernetes.api.model.Service s = services.getStore().list().stream()
                .filter(x -> service.equals(x.getMetadata().getName())).findFirst().orElse(null);
        // The controller serves every namespace; the timeline is of the Service's own.
        String namespace = s == null ? null : s.getMetadata().getNamespace();
        Map<String, String> selector = s == null || s.getSpec().getSelector() == null ? Map.of() : Map.copyOf(s.getSpec().getSelector());
        int serving = selector.isEmpty() ? 0 : (int) pods.getStore().list().stream()
                .filter(p -> namespace.equals(p.getMetadata().getNamespace()))
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && isReady(p))
                .filter(p -> p.getMetadata().getLabels() != null && p.getMetadata().getLabels().entrySet().containsAll(selector.entrySet()))
                .count();
        Map<String, Integer> desired = new LinkedHashMap<>();
        for (Deployment d : deployments.getStore().list()) {
            if (namespace == null || namespace.equals(d.getMetadata().getNamespace())) {
                desired.put(d.getMetadata().getName(), d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas());
            }
        }
        timeline.add(new ServingSample(Instant.now(), serving, selector, desired));
    }

    private void tick() {
        try {
            Map<String, Deployment> byUid = new HashMap<>();
            for (Deployment d : deployments.getStore().list()) {
                byUid.put(d.getMetadata().getUid(), d);
            }
            collectGarbage(byUid.keySet());
            for (Deployment d : byUid.values()) {
                reconcile(d);
            }
            sample();
        } catch (KubernetesClientException e) {
            LOGGER.log(Level.FINE, "simulated controller: a request failed, retried on the next tick", e);
        } catch (RuntimeException e) {
            LOGGER.log(Level.WARNING, "simulated controller failed a tick", e);
        }
    }

    private void collectGarbage(Set<String> deploymentUids) {
        Set<String> rsUids = new java.util.HashSet<>();
        for (ReplicaSet rs : replicaSets.getStore().list()) {
            String owner = ownerUid(rs);
            if (owner != null && !deploymentUids.contains(owner)) {
                client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName()).delete();
            } else {
                rsUids.add(rs.getMetadata().getUid());
            }
        }
        for (Pod pod : pods.getStore().list()) {
            String owner = ownerUid(pod);
            if (owner != null && !rsUids.contains(owner)) {
                deletePod(pod);
            }
        }
    }

    private void reconcile(Deployment d) {
        String hash = templateHash(d);
        int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
        List<ReplicaSet> owned = replicaSets.getStore().list().stream()
                .filter(rs -> d.getMetadata().getUid().equals(ownerUid(rs))).toList();
        ReplicaSet current = owned.stream().filter(rs -> hash.equals(rs.getMetadata().getLabels().get("pod-template-hash")))
                .findFirst().orElse(null);
        if (current == null) {
            current = createReplicaSet(d, hash, desired);
        }
        int readyNew = (int) podsOf(current).stream().filter(SimulatedDeploymentController::isReady).count();
        Map<ReplicaSet, Integer> wanted = new LinkedHashMap<>();
        wanted.put(current, desired);
        int oldBudget = Math.max(0, desired - readyNew);
        for (ReplicaSet rs : owned) {
            if (rs != current) {
                int keep = Math.min(oldBudget, podsOf(rs).size());
                oldBudget -= keep;
                wanted.put(rs, keep);
            }
        }
        int total = 0;
        int updated = 0;
        int ready = 0;
        for (Map.Entry<ReplicaSet, Integer> e : wanted.entrySet()) {
            List<Pod> running = scalePods(e.getKey(), e.getValue());
            for (Pod pod : running) {
                Pod now = progressPod(pod);
                total++;
                if (e.getKey() == current) {
                    updated++;
                }
                if (isReady(now)) {
                    ready++;
                }
            }
        }
        writeStatus(d, total, updated, ready);
    }

    private ReplicaSet createReplicaSet(Deployment d, String hash, int replicas) {
        Map<String, String> labels = new HashMap<>(d.getSpec().getTemplate().getMetadata().getLabels());
        labels.put("pod-template-hash", hash);
        ReplicaSet rs = new ReplicaSetBuilder()
                .withNewMetadata()
                    .withName(d.getMetadata().getName() + "-" + hash)
                    .withNamespace(d.getMetadata().getNamespace())
                    .withLabels(labels)
                    .withOwnerReferences(owner("apps/v1", "Deployment", d))
                .endMetadata()
                .withNewSpec()
                    .withReplicas(replicas)
                    .withNewSelector().withMatchLabels(labels).endSelector()
                    .withNewTemplateLike(d.getSpec().getTemplate()).editOrNewMetadata().withLabels(labels).endMetadata().endTemplate()
                .endSpec()
                .build();
        try {
            return client.resource(rs).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName()).get();
            }
            throw e;
        }
    }

    private List<Pod> podsOf(ReplicaSet rs) {
        return pods.getStore().list().stream()
                .filter(p -> rs.getMetadata().getUid().equals(ownerUid(p)) && p.getMetadata().getDeletionTimestamp() == null)
                .toList();
    }

    private List<Pod> scalePods(ReplicaSet rs, int replicas) {
        List<Pod> running = new ArrayList<>(podsOf(rs));
        while (running.size() < replicas) {
            running.add(createPod(rs));
        }
        // Not-ready pods go first, as a ReplicaSet controller prefers.
        running.sort((a, b) -> Boolean.compare(isReady(a), isReady(b)));
        while (running.size() > replicas) {
            deletePod(running.remove(0));
        }
        return running;
    }

    private Pod createPod(ReplicaSet rs) {
        Pod pod = new PodBuilder()
                .withNewMetadata()
                    .withName(rs.getMetadata().getName() + "-" + Long.toString(podNames.incrementAndGet(), 36))
                    .withNamespace(rs.getMetadata().getNamespace())
                    .withLabels(rs.getSpec().getTemplate().getMetadata().getLabels())
                    .withOwnerReferences(owner("apps/v1", "ReplicaSet", rs))
                .endMetadata()
                .withSpec(rs.getSpec().getTemplate().getSpec())
                .withNewStatus().withPhase("Pending").endStatus()
                .build();
        Pod created = client.resource(pod).create();
        podStarts.put(created.getMetadata().getName(), Instant.now());
        return created;
    }

    private void deletePod(Pod pod) {
        podStarts.remove(pod.getMetadata().getName());
        client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName()).delete();
    }

    /** Moves a pod's status along its behaviour; returns the pod as it now is. */
    private Pod progressPod(Pod pod) {
        Instant started = podStarts.computeIfAbsent(pod.getMetadata().getName(), n -> Instant.now());
        Duration age = Duration.between(started, Instant.now());
        String image = pod.getSpec().getContainers().get(0).getImage();
        PodBehaviour behaviour = pod.getSpec().getContainers().stream().map(c -> behaviours.get(c.getImage()))
                .filter(Objects::nonNull).findFirst().orElse(PodBehaviour.HEALTHY);
        boolean ready = behaviour == PodBehaviour.HEALTHY && age.compareTo(readyAfter) >= 0;
        int restarts = behaviour == PodBehaviour.CRASH_LOOP ? (int) (age.toMillis() / CRASH_PERIOD.toMillis()) : 0;
        String phase = age.compareTo(Duration.ofMillis(20)) < 0 ? "Pending" : "Running";
        if (phase.equals(pod.getStatus() == null ? null : pod.getStatus().getPhase()) && ready == isReady(pod)
                && restarts == restartsOf(pod)) {
            return pod;
        }
        List<ContainerStatus> statuses = pod.getSpec().getContainers().stream().map(c -> {
            ContainerStatusBuilder b = new ContainerStatusBuilder().withName(c.getName()).withImage(c.getImage())
                    .withReady(ready).withRestartCount(restarts);
            if (behaviour == PodBehaviour.CRASH_LOOP && restarts > 0) {
                b.withNewState().withNewWaiting().withReason("CrashLoopBackOff").withMessage("back-off restarting failed container")
                        .endWaiting().endState();
            } else {
                b.withNewState().withNewRunning().endRunning().endState();
            }
            return b.build();
        }).collect(Collectors.toList());
        Pod next = new PodBuilder(pod).editOrNewStatus()
                .withPhase(phase)
                .withContainerStatuses(statuses)
                .withConditions(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False").build())
                .endStatus().build();
        LOGGER.log(Level.FINEST, "pod {0} of {1}: ready {2}", new Object[] {pod.getMetadata().getName(), image, ready});
        return client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(next).updateStatus();
    }

    private void writeStatus(Deployment d, int total, int updated, int ready) {
        DeploymentStatus s = d.getStatus();
        Long generation = d.getMetadata().getGeneration();
        if (s != null && Objects.equals(s.getObservedGeneration(), generation) && Objects.equals(s.getReplicas(), total)
                && Objects.equals(s.getUpdatedReplicas(), updated) && Objects.equals(s.getReadyReplicas(), ready)
                && Objects.equals(s.getAvailableReplicas(), ready)) {
            return;
        }
        Deployment next = new DeploymentBuilder(d).withStatus(new DeploymentStatusBuilder()
                .withObservedGeneration(generation).withReplicas(total).withUpdatedReplicas(updated)
                .withReadyReplicas(ready).withAvailableReplicas(ready).withUnavailableReplicas(Math.max(0, total - ready))
                .build()).build();
        client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(next).updateStatus();
    }

    private static boolean isReady(Pod pod) {
        return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static int restartsOf(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return -1;
        }
        return pod.getStatus().getContainerStatuses().stream().mapToInt(s -> s.getRestartCount() == null ? 0 : s.getRestartCount())
                .max().orElse(0);
    }

    private static String ownerUid(HasMetadata o) {
        List<OwnerReference> refs = o.getMetadata().getOwnerReferences();
        return refs == null || refs.isEmpty() ? null : refs.get(0).getUid();
    }

    private static OwnerReference owner(String apiVersion, String kind, HasMetadata o) {
        return new OwnerReferenceBuilder().withApiVersion(apiVersion).withKind(kind).withName(o.getMetadata().getName())
                .withUid(o.getMetadata().getUid()).withController(true).build();
    }

    private static String templateHash(Deployment d) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(Serialization.asJson(d.getSpec().getTemplate()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public void close() {
        loop.shutdownNow();
        try {
            loop.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deployments.close();
        replicaSets.close();
        pods.close();
        services.close();
    }
}
