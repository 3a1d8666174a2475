package io.releasepilot.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Finds the cluster the way kubectl does (--kubeconfig, $KUBECONFIG, ~/.kube/config, the pod's
 * service account) and proves it answers before an act starts: without this, fabric8 falls back to
 * localhost:8080 and retries for half a minute before saying anything a person can act on.
 */
final class KubeAccess {

    /** How long the first request may take before the cluster counts as unreachable. */
    static final long PROBE_SECONDS = 4;

    private static final Path SERVICE_ACCOUNT_TOKEN = Path.of("/var/run/secrets/kubernetes.io/serviceaccount/token");

    private KubeAccess() {
    }

    /** Checks a kubeconfig can be found (and a given one read); part of validating input, before anything is contacted. */
    static void requireKubeconfig(Path given) {
        if (given != null) {
            if (!Files.isRegularFile(given) || !Files.isReadable(given)) {
                throw new InvalidInputException("kubeconfig", given.toString(), "a readable kubeconfig file");
            }
            return;
        }
        List<String> looked = new ArrayList<>();
        looked.add("--kubeconfig (not given)");
        String env = System.getenv("KUBECONFIG");
        if (env != null && !env.isBlank()) {
            for (String file : env.split(File.pathSeparator)) {
                if (!file.isBlank() && Files.isReadable(Path.of(file))) {
                    return;
                }
            }
            looked.add("$KUBECONFIG=" + env + " (no readable file)");
        } else {
            looked.add("$KUBECONFIG (not set)");
        }
        Path home = Path.of(System.getProperty("user.home"), ".kube", "config");
        if (Files.isReadable(home)) {
            return;
        }
        looked.add(home + " (" + (Files.exists(home) ? "not readable" : "absent") + ")");
        if (System.getenv("KUBERNETES_SERVICE_HOST") != null && Files.isReadable(SERVICE_ACCOUNT_TOKEN)) {
            return;
        }
        looked.add("the in-cluster service account " + SERVICE_ACCOUNT_TOKEN + " (not running in a pod)");
        throw new EnvironmentException("no kubeconfig found (looked at " + String.join(", ", looked) + "); give --kubeconfig FILE");
    }

    /** A client for the cluster found, after one request proved it answers within {@value #PROBE_SECONDS} s. */
    static KubernetesClient connect(Path given) {
        requireKubeconfig(given);
        String from = given != null ? "kubeconfig " + given : "the default kubeconfig";
        Config config;
        try {
            config = given != null ? Config.fromKubeconfig(given.toFile()) : Config.autoConfigure(null);
        } catch (KubernetesClientException | IllegalArgumentException e) {
            throw new EnvironmentException("cannot use " + from + ": " + e.getMessage(), e);
        }
        KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
        try {
            probe(client, from);
            return client;
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    private static void probe(KubernetesClient client, String from) {
        String url = client.getMasterUrl().toString();
        String versionUrl = (url.endsWith("/") ? url : url + "/") + "version";
        String tried = "the Kubernetes API at " + url + " (from " + from + ")";
        HttpResponse<byte[]> response;
        try {
            var request = client.getHttpClient().newHttpRequestBuilder().uri(versionUrl).timeout(PROBE_SECONDS, TimeUnit.SECONDS).build();
            response = client.getHttpClient().sendAsync(request, byte[].class).get(PROBE_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new EnvironmentException("cannot reach " + tried + ": no answer within " + PROBE_SECONDS + " s", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new EnvironmentException("cannot reach " + tried + ": " + rootMessage(cause), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EnvironmentException("interrupted while reaching " + tried, e);
        }
        if (response.code() == 401) {
            throw new EnvironmentException(tried + " refused the credentials (HTTP 401 on GET /version)");
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + t.getMessage();
    }
}
