package io.releasepilot.engine.kube;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import java.util.List;
import java.util.Objects;

/** The conditions the canary acts wait for, over objects as an informer caches them (never mutated). */
final class PodChecks {

    private PodChecks() {
    }

    static InformerWait.Check canaryReadiness(List<Pod> pods, String container, String image, int wanted, int restartLimit) {
        int ready = 0;
        for (Pod pod : pods) {
            if (pod.getMetadata().getDeletionTimestamp() != null || !runs(pod, container, image)) {
                continue;
            }
            ContainerStatus status = status(pod, container);
            if (status != null && status.getRestartCount() != null && status.getRestartCount() > restartLimit) {
                String reason = status.getState() != null && status.getState().getWaiting() != null
                        ? status.getState().getWaiting().getReason() : "restarting";
                return InformerWait.Check.failed("pod " + pod.getMetadata().getName() + " container " + container + " restarted "
                        + status.getRestartCount() + " times (" + reason + "), more than the limit of " + restartLimit);
            }
            if (ready(pod)) {
                ready++;
            }
        }
        String progress = ready + "/" + wanted + " ready";
        return ready >= wanted ? InformerWait.Check.done(progress) : InformerWait.Check.waiting(progress);
    }

    private static boolean runs(Pod pod, String container, String image) {
        return pod.getSpec() != null && pod.getSpec().getContainers().stream()
                .anyMatch(c -> c.getName().equals(container) && image.equals(c.getImage()));
    }

    private static ContainerStatus status(Pod pod, String container) {
        if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
            return null;
        }
        return pod.getStatus().getContainerStatuses().stream().filter(s -> container.equals(s.getName())).findFirst().orElse(null);
    }

    private static boolean ready(Pod pod) {
        if (pod.getStatus() == null || pod.getStatus().getConditions() == null) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditions()) {
            if ("Ready".equals(c.getType())) {
                return "True".equals(c.getStatus());
            }
        }
        return false;
    }

    static InformerWait.Check fullyAvailable(List<Deployment> deployments, String name) {
        Deployment d = deployments.stream().filter(x -> name.equals(x.getMetadata().getName())).findFirst().orElse(null);
        if (d == null) {
            return InformerWait.Check.failed("deployment " + name + " was deleted");
        }
        int wanted = DeploymentTarget.replicasOf(d);
        DeploymentStatus s = d.getStatus();
        if (s == null) {
            return InformerWait.Check.waiting("0/" + wanted + " available");
        }
        boolean observed = s.getObservedGeneration() != null && d.getMetadata().getGeneration() != null
                && s.getObservedGeneration() >= d.getMetadata().getGeneration();
        int updated = zero(s.getUpdatedReplicas());
        int available = zero(s.getAvailableReplicas());
        int total = zero(s.getReplicas());
        String progress = available + "/" + wanted + " available, " + updated + "/" + wanted + " updated";
        boolean done = observed && updated == wanted && available == wanted && total == wanted;
        return done ? InformerWait.Check.done(progress) : InformerWait.Check.waiting(progress);
    }

    private static int zero(Integer value) {
        return Objects.requireNonNullElse(value, 0);
    }
}
