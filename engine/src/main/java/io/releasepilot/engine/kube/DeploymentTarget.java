package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.RollableScalableResource;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import java.net.HttpURLConnection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * One stable Deployment and its {@code <name>-canary} beside it: every read and write the canary
 * acts make. Writes are read-modify-write with resourceVersion locking (PUT), retried on 409 with
 * a fresh read, so a concurrent writer is never overwritten. Errors of the API server become
 * {@link EnvironmentException}s naming the object and the server.
 */
final class DeploymentTarget {

    static final String TRACK_LABEL = CanaryState.PREFIX + "track";
    static final String CANARY_OF = CanaryState.PREFIX + "canary-of";
    private static final int CONFLICT_RETRIES = 20;

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final Consumer<Deployment> guard;

    DeploymentTarget(KubernetesClient client, String namespace, String name) {
        this(client, namespace, name, null);
    }

    private DeploymentTarget(KubernetesClient client, String namespace, String name, Consumer<Deployment> guard) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.guard = guard;
    }

    /**
     * The same target whose every write first runs {@code check} on a fresh read of the stable
     * Deployment (the act still going, its lease still held, no brake): a check that throws stops
     * the write. Writes of the stable Deployment itself check the read they are built on.
     */
    DeploymentTarget guarded(Consumer<Deployment> check) {
        return new DeploymentTarget(client, namespace, name, check);
    }

    /** Runs the guard on a fresh read of the stable Deployment, before a write of another object. */
    private void checkGuard() {
        if (guard != null) {
            guard.accept(requireStable());
        }
    }

    String namespace() {
        return namespace;
    }

    String name() {
        return name;
    }

    /** The {@link #CANARY_OF} label value of this Deployment's canary objects (label values end at 63 characters). */
    String canaryOf() {
        return RouteObjectNames.canaryOfValue(name);
    }

    String canaryName() {
        return name + "-canary";
    }

    /** {@code prod/web}, as console lines name it. */
    String label() {
        return namespace + "/" + name;
    }

    KubernetesClient client() {
        return client;
    }

    private RollableScalableResource<Deployment> stableResource() {
        return client.apps().deployments().inNamespace(namespace).withName(name);
    }

    private RollableScalableResource<Deployment> canaryResource() {
        return client.apps().deployments().inNamespace(namespace).withName(canaryName());
    }

    /** The stable Deployment; a missing one is bad input (nothing was changed). */
    Deployment requireStable() {
        Deployment d = call("read deployment " + label(), () -> stableResource().get());
        if (d == null) {
            throw new InvalidInputException("deployment", name, "an existing Deployment in namespace " + namespace);
        }
        return d;
    }

    Deployment readCanary() {
        return call("read deployment " + namespace + "/" + canaryName(), () -> canaryResource().get());
    }

    /** Resolves the container a canary changes: the one named, else the only one. */
    static Container container(Deployment stable, String wanted) {
        List<Container> containers = stable.getSpec().getTemplate().getSpec().getContainers();
        List<String> names = containers.stream().map(Container::getName).toList();
        if (wanted == null) {
            if (containers.size() != 1) {
                throw new InvalidInputException("container", null, "one of " + String.join(", ", names)
                        + " (deployment " + stable.getMetadata().getName() + " has " + containers.size() + " containers)");
            }
            return containers.get(0);
        }
        return containers.stream().filter(c -> c.getName().equals(wanted)).findFirst()
                .orElseThrow(() -> new InvalidInputException("container", wanted, "one of " + String.join(", ", names)
                        + " (the containers of deployment " + stable.getMetadata().getName() + ")"));
    }

    static String imageOf(Deployment d, String container) {
        return container(d, container).getImage();
    }

    static int replicasOf(Deployment d) {
        Integer r = d.getSpec().getReplicas();
        return r == null ? 1 : r;
    }

    /**
     * Changes the stable Deployment while {@code lock} is held: re-reads it, checks the lock is
     * still ours, applies {@code change} to a copy and writes it with the read resourceVersion.
     */
    Deployment changeStable(RunLock lock, UnaryOperator<Deployment> change) {
        return update("deployment " + label(), stableResource()::get, current -> {
            checkHeld(current, lock);
            if (guard != null) {
                guard.accept(current);
            }
            Deployment next = change.apply(new DeploymentBuilder(current).build());
            annotations(next).put(RunLock.ANNOTATION, lock.encode());
            return next;
        });
    }

    /**
     * Takes the lease in one write that also applies {@code firstWrite}, or fails with a conflict
     * naming the run that holds it.
     */
    Deployment acquire(RunLock lock, UnaryOperator<Deployment> firstWrite) {
        return update("deployment " + label(), stableResource()::get, current -> {
            String held = annotations(current).get(RunLock.ANNOTATION);
            if (held != null && !RunLock.decode(held).yieldsTo(lock)) {
                throw RunLock.decode(held).conflict(namespace, name);
            }
            Deployment next = firstWrite.apply(new DeploymentBuilder(current).build());
            annotations(next).put(RunLock.ANNOTATION, lock.encode());
            return next;
        });
    }

    /**
     * Writes the renewed lease if this run still holds it (or nobody does: it was removed by hand
     * while the act runs); {@code onRead} sees the Deployment as read. Another run's lease (ours
     * lapsed and it took the Deployment) is a conflict.
     */
    void renew(RunLock lock, Consumer<Deployment> onRead) {
        update("deployment " + label(), stableResource()::get, current -> {
            onRead.accept(current);
            checkHeld(current, lock);
            Deployment next = new DeploymentBuilder(current).build();
            annotations(next).put(RunLock.ANNOTATION, lock.encode());
            return next;
        });
    }

    /** Lets go of the lock if it is still ours. */
    void release(RunLock lock) {
        update("deployment " + label(), stableResource()::get, current -> {
            String held = annotations(current).get(RunLock.ANNOTATION);
            if (held == null || !RunLock.decode(held).run().equals(lock.run())) {
                return null;
            }
            Deployment next = new DeploymentBuilder(current).build();
            annotations(next).remove(RunLock.ANNOTATION);
            return next;
        });
    }

    /** Fails with the conflict when another run's live lease is on the Deployment. */
    void checkHeld(Deployment current, RunLock lock) {
        String held = annotations(current).get(RunLock.ANNOTATION);
        RunLock other = held == null ? null : RunLock.decode(held);
        if (other != null && !other.sameRun(lock) && !other.yieldsTo(lock)) {
            throw other.conflict(namespace, name);
        }
    }

    /**
     * Creates the canary Deployment beside the stable one, or brings an existing one to this image
     * and replica count. Its pods carry {@code podLabels} (the router decides whether the stable
     * Service reaches them); it is owned by the stable Deployment, so deleting that deletes the
     * canary too.
     */
    Deployment ensureCanary(Deployment stable, String container, String image, int replicas, Map<String, String> podLabels,
                            Map<String, String> selector) {
        checkGuard();
        Deployment existing = readCanary();
        if (existing == null) {
            Deployment fresh = newCanary(stable, container, image, replicas, podLabels, selector);
            try {
                return call("create deployment " + namespace + "/" + canaryName(), () -> client.resource(fresh).create());
            } catch (EnvironmentException e) {
                if (!(e.getCause() instanceof KubernetesClientException k) || k.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                    throw e;
                }
                // Created meanwhile (a retried request that did land, or a resumed run): converge it below.
            }
        }
        return update("deployment " + namespace + "/" + canaryName(), canaryResource()::get, current -> {
            boolean sameImage = image.equals(imageOf(current, container));
            if (sameImage && replicasOf(current) == replicas) {
                return null;
            }
            Deployment next = new DeploymentBuilder(current).editSpec().withReplicas(replicas).endSpec().build();
            container(next, container).setImage(image);
            return next;
        });
    }

    private Deployment newCanary(Deployment stable, String container, String image, int replicas, Map<String, String> podLabels,
                                 Map<String, String> selector) {
        Map<String, String> labels = new LinkedHashMap<>(stable.getMetadata().getLabels() == null ? Map.of() : stable.getMetadata().getLabels());
        labels.put(TRACK_LABEL, "canary");
        labels.put(CANARY_OF, canaryOf());
        Deployment canary = new DeploymentBuilder()
                .withNewMetadata()
                    .withName(canaryName())
                    .withNamespace(namespace)
                    .withLabels(labels)
                    .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
                            .withName(name).withUid(stable.getMetadata().getUid()).withBlockOwnerDeletion(false).build())
                .endMetadata()
                .withSpec(new DeploymentBuilder(stable).buildSpec())
                .build();
        canary.getSpec().setReplicas(replicas);
        canary.getSpec().getSelector().setMatchLabels(new LinkedHashMap<>(selector));
        canary.getSpec().getSelector().setMatchExpressions(new ArrayList<>());
        canary.getSpec().getTemplate().getMetadata().setLabels(new LinkedHashMap<>(podLabels));
        container(canary, container).setImage(image);
        return canary;
    }

    /** Sets the canary's replica count if it exists; returns whether it exists. */
    boolean scaleCanary(int replicas) {
        checkGuard();
        Deployment result = update("deployment " + namespace + "/" + canaryName(), canaryResource()::get, current ->
                replicasOf(current) == replicas ? null : new DeploymentBuilder(current).editSpec().withReplicas(replicas).endSpec().build());
        return result != null;
    }

    /** Changes the stable Deployment without a lease (the brake), still resourceVersion-locked; {@code change} returns null for no write. */
    Deployment changeStableUnleased(UnaryOperator<Deployment> change) {
        return update("deployment " + label(), stableResource()::get, current -> change.apply(new DeploymentBuilder(current).build()));
    }

    /** Deletes the canary Deployment; nothing to do when it is gone already. */
    void deleteCanary() {
        checkGuard();
        call("delete deployment " + namespace + "/" + canaryName(), () -> canaryResource().delete());
    }

    private Deployment update(String what, Supplier<Deployment> read, UnaryOperator<Deployment> change) {
        return write(what, read, change);
    }

    static Map<String, String> annotations(Deployment d) {
        if (d.getMetadata().getAnnotations() == null) {
            d.getMetadata().setAnnotations(new LinkedHashMap<>());
        }
        return d.getMetadata().getAnnotations();
    }

    /** Read-modify-write of any object with resourceVersion locking, retried on 409; {@code change} returns null for no write. */
    <T extends HasMetadata> T updateObject(String what, Supplier<T> read, UnaryOperator<T> change) {
        checkGuard();
        return write(what, read, change);
    }

    private <T extends HasMetadata> T write(String what, Supplier<T> read, UnaryOperator<T> change) {
        for (int attempt = 1; ; attempt++) {
            T current = call("read " + what, read);
            if (current == null) {
                return null;
            }
            T next = change.apply(current);
            if (next == null) {
                return current;
            }
            next.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
            try {
                return client.resource(next).update();
            } catch (KubernetesClientException e) {
                if (e.getCode() != HttpURLConnection.HTTP_CONFLICT || attempt >= CONFLICT_RETRIES) {
                    throw environmentError("update " + what, e);
                }
            }
        }
    }

    /** Creates an object; one that exists already (a retried or resumed create) is left as it is. */
    <T extends HasMetadata> void createIfAbsent(String what, T object) {
        checkGuard();
        try {
            client.resource(object).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
                throw environmentError("create " + what, e);
            }
        }
    }

    <T> T call(String what, Supplier<T> request) {
        try {
            return request.get();
        } catch (KubernetesClientException e) {
            throw environmentError(what, e);
        }
    }

    private EnvironmentException environmentError(String what, KubernetesClientException e) {
        String server = Objects.toString(client.getMasterUrl(), "the Kubernetes API server");
        String status = e.getCode() > 0 ? "HTTP " + e.getCode() : "no answer";
        String hint = switch (e.getCode()) {
            case 401 -> ": the kubeconfig's credentials were refused";
            case 403 -> ": the kubeconfig's user may not do this (RBAC)";
            case 409 -> ": the object kept changing under us";
            default -> "";
        };
        return new EnvironmentException("cannot " + what + " at " + server + " (" + status + hint + "): "
                + firstLine(e.getMessage()), e);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
