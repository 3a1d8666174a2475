package io.releasepilot.sandbox.cluster;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A SIMULATED cluster: fabric8's CRUD mock API server on 127.0.0.1 with a
 * {@link FaultInjectingDispatcher} (through which kubectl works too), a
 * {@link SimulatedDeploymentController} for every namespace, and a client for the code under test. For tests, benchmarks and {@code release-pilot sandbox}; a real cluster is
 * reached through a kubeconfig.
 */
public final class SimulatedCluster implements AutoCloseable {

    /**
     * Held so their levels stick: the mock logs every request at INFO, and its Vert.x server warns
     * of a "blocked" event loop whenever a busy machine is slow to schedule it.
     */
    private static final List<Logger> QUIETED = List.of(Logger.getLogger("io.fabric8.mockwebserver"),
            Logger.getLogger("io.fabric8.kubernetes.client.server.mock"), Logger.getLogger("io.fabric8.kubernetes.client.informers"),
            Logger.getLogger("io.fabric8.kubernetes.client.dsl.internal"), Logger.getLogger("io.vertx"));

    private final KubernetesMockServer server;
    private final FaultInjectingDispatcher dispatcher;
    private final KubernetesClient client;
    private final KubernetesClient controllerClient;
    private final SimulatedDeploymentController controller;
    private final String namespace;

    /** On a free port, with one namespace, the one {@link #createApp} and {@link #editDeployment} use. */
    public SimulatedCluster(String namespace) {
        this(0, namespace);
    }

    /**
     * On {@code port} of 127.0.0.1 (0: a free one), with the namespace {@code namespace}, the one
     * {@link #createApp(String, String, int, io.fabric8.kubernetes.api.model.Container...)} and
     * {@link #editDeployment} use; {@link #createNamespace} makes more.
     */
    public SimulatedCluster(int port, String namespace) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port + ": a TCP port from 1 to 65535, or 0 for a free one");
        }
        for (Logger logger : QUIETED) {
            logger.setLevel(Level.SEVERE);
        }
        this.namespace = namespace;
        this.dispatcher = new FaultInjectingDispatcher(20261122L);
        this.server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        try {
            server.init(InetAddress.getLoopbackAddress(), port);
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot start the simulated API server on 127.0.0.1:" + port, e);
        }
        this.client = newClient(null);
        this.controllerClient = newClient(FaultInjectingDispatcher.CONTROLLER_AGENT);
        createNamespace(namespace);
        this.controller = new SimulatedDeploymentController(controllerClient);
    }

    /** Creates a namespace, as an administrator would before a team deploys to it. */
    public void createNamespace(String name) {
        controllerClient.resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build()).create();
    }

    /** A further client of the code under test (e.g. a second process), counted like the first. */
    public KubernetesClient newClient() {
        return newClient(null);
    }

    private KubernetesClient newClient(String userAgent) {
        Config base;
        try (KubernetesClient probe = server.createClient()) {
            base = probe.getConfiguration();
        }
        ConfigBuilder config = new ConfigBuilder(base).withRequestRetryBackoffInterval(20).withRequestRetryBackoffLimit(6).withRequestTimeout(30_000)
                .withWatchReconnectInterval(50);
        if (userAgent != null) {
            config.withUserAgent(userAgent).withRequestRetryBackoffLimit(0);
        }
        return new KubernetesClientBuilder().withConfig(config.build()).build();
    }

    public KubernetesClient client() {
        return client;
    }

    public SimulatedDeploymentController controller() {
        return controller;
    }

    public FaultInjectingDispatcher dispatcher() {
        return dispatcher;
    }

    public String namespace() {
        return namespace;
    }

    /** The API server's URL, as a kubeconfig would name it. */
    public String url() {
        return client.getMasterUrl().toString();
    }

    /** The API server's TCP port on 127.0.0.1. */
    public int port() {
        return server.getPort();
    }

    /**
     * Writes a kubeconfig for this API server (plain HTTP on 127.0.0.1, no credentials: the
     * simulation checks none) whose context's namespace is {@code contextNamespace}; kubectl and
     * fabric8 clients both read it. Written to a temporary file first and moved into place, so a
     * reader never sees half of it.
     */
    public void writeKubeconfig(Path file, String contextNamespace) throws IOException {
        String text = """
                apiVersion: v1
                kind: Config
                clusters:
                - name: release-pilot-sandbox
                  cluster:
                    server: http://127.0.0.1:%d
                contexts:
                - name: release-pilot-sandbox
                  context:
                    cluster: release-pilot-sandbox
                    user: release-pilot-sandbox
                    namespace: %s
                current-context: release-pilot-sandbox
                users:
                - name: release-pilot-sandbox
                  user: {}
                """.formatted(port(), contextNamespace);
        Path absolute = file.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        Path temporary = Files.createTempFile(absolute.getParent(), absolute.getFileName().toString(), ".tmp");
        try {
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * Creates a Deployment {@code name} (container {@code app} and any sidecars, pods labelled {@code app: name})
     * and a Service of the same name selecting its pods, as a team would have them.
     */
    public Deployment createApp(String name, String image, int replicas, io.fabric8.kubernetes.api.model.Container... sidecars) {
        return createApp(namespace, name, image, replicas, sidecars);
    }

    /** {@link #createApp(String, String, int, io.fabric8.kubernetes.api.model.Container...)} in namespace {@code inNamespace}. */
    public Deployment createApp(String inNamespace, String name, String image, int replicas, io.fabric8.kubernetes.api.model.Container... sidecars) {
        Map<String, String> labels = Map.of("app", name);
        Deployment d = new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(inNamespace).withLabels(labels).endMetadata()
                .withNewSpec()
                    .withReplicas(replicas)
                    .withNewSelector().withMatchLabels(labels).endSelector()
                    .withNewTemplate()
                        .withNewMetadata().withLabels(labels).endMetadata()
                        .withNewSpec().withContainers(new ContainerBuilder().withName("app").withImage(image).build())
                            .addToContainers(sidecars).endSpec()
                    .endTemplate()
                .endSpec()
                .build();
        Deployment created = controllerClient.resource(d).create();
        controllerClient.resource(new ServiceBuilder().withNewMetadata().withName(name).withNamespace(inNamespace).endMetadata()
                .withNewSpec().withSelector(labels).addNewPort().withPort(80).withTargetPort(new IntOrString(8080)).endPort().endSpec()
                .build()).create();
        return created;
    }

    /**
     * Changes a Deployment as a person with kubectl would, outside the code under test (neither
     * counted nor failed), retrying when it loses a race with the simulated controller.
     */
    public Deployment editDeployment(String name, java.util.function.UnaryOperator<Deployment> change) {
        for (int attempt = 1; ; attempt++) {
            try {
                return controllerClient.apps().deployments().inNamespace(namespace).withName(name).edit(change);
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt >= 20) {
                    throw e;
                }
            }
        }
    }

    @Override
    public void close() {
        controller.close();
        client.close();
        controllerClient.close();
        try {
            server.destroy();
        } catch (IllegalStateException slowToClose) {
            // Vert.x gives up waiting for a lingering watch socket after 10 s; the port is freed anyway.
            Logger.getLogger(SimulatedCluster.class.getName()).log(Level.FINE, "simulated API server closed slowly", slowToClose);
        }
    }
}
