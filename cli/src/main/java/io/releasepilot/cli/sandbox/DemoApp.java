package io.releasepilot.cli.sandbox;

import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The sandbox's demo application: three services (an API, a queue worker and an nginx front
 * "web") in one namespace per environment, as a team would have them before Release Pilot's first
 * deploy. {@code release-pilot sandbox} releases it; {@code release-pilot sandbox cluster
 * --with-demo-app} creates it for a test to deploy to.
 */
public final class DemoApp {

    /** One service of the app: its Deployment (and Service) name, first image and replicas. */
    public record Service(String name, String image, int replicas) {
    }

    /** The environments in lifecycle order, each a namespace of the same (lower-case) name. */
    public static final List<String> NAMESPACES = List.of("int", "uat", "prod");

    /**
     * The images run before the first release. Their registry host is under {@code .invalid}
     * (RFC 2606): the simulated cluster pulls nothing, and the name says so.
     */
    public static final List<Service> SERVICES = List.of(
            new Service("api", "registry.sandbox.invalid/demo/api:1.0.0", 4),
            new Service("worker", "registry.sandbox.invalid/demo/worker:1.0.0", 2),
            new Service("web", "registry.sandbox.invalid/demo/web:1.0.0", 4));

    private DemoApp() {
    }

    /**
     * Creates each environment's namespace and, in it, each service's Deployment and Service, and
     * waits until the simulated controller has made every Deployment ready, so a test can deploy
     * at once.
     *
     * @throws EnvironmentException when a Deployment is not ready within {@code timeout}
     */
    public static void create(SimulatedCluster cluster, Duration timeout) {
        for (String namespace : NAMESPACES) {
            cluster.createNamespace(namespace);
            for (Service s : SERVICES) {
                cluster.createApp(namespace, s.name(), s.image(), s.replicas());
            }
        }
        for (String namespace : NAMESPACES) {
            for (Service s : SERVICES) {
                try {
                    cluster.client().apps().deployments().inNamespace(namespace).withName(s.name())
                            .waitUntilCondition(d -> d != null && d.getStatus() != null
                                    && Integer.valueOf(s.replicas()).equals(d.getStatus().getReadyReplicas()), timeout.toMillis(), TimeUnit.MILLISECONDS);
                } catch (KubernetesClientTimeoutException e) {
                    throw new EnvironmentException("the simulated controller did not make " + namespace + "/" + s.name() + " ready within "
                            + timeout.toSeconds() + " s", e);
                }
            }
        }
    }
}
