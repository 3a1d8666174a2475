package io.jenkins.plugins.releasepilot;

import hudson.EnvVars;
import hudson.FilePath;
import hudson.model.Run;
import hudson.remoting.VirtualChannel;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import jenkins.MasterToSlaveFileCallable;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;

/**
 * How a Kubernetes step reaches its cluster, as the step names it: a kubeconfig held as a secret
 * file credential; or an API server URL with a token held as secret text (and the server's CA
 * certificate, PEM, when it is not publicly trusted); or, with neither, what kubectl would use on
 * the agent (KUBECONFIG in the build's environment, else ~/.kube/config, else the in-cluster service
 * account). Only ids and the URL are kept (this object is saved with a waiting step); secrets are
 * read from the credentials store each time a client is made.
 */
final class KubernetesAccess implements Serializable {

    private static final long serialVersionUID = 1L;
    static final String SERVER_FORM = "an https (or http) URL of the Kubernetes API server, such as https://k8s.example.com:6443";
    static final String ACCESS_FORM = "kubeconfigCredentialsId, or serverUrl with tokenCredentialsId, or a kubeconfig on the agent "
            + "(KUBECONFIG, ~/.kube/config) or an in-cluster service account";
    private static final String IN_CLUSTER = "/var/run/secrets/kubernetes.io/serviceaccount";

    private final String kubeconfigCredentialsId;
    private final String serverUrl;
    private final String tokenCredentialsId;
    private final String caCertificate;

    KubernetesAccess(String kubeconfigCredentialsId, String serverUrl, String tokenCredentialsId, String caCertificate) {
        this.kubeconfigCredentialsId = kubeconfigCredentialsId;
        this.serverUrl = serverUrl;
        this.tokenCredentialsId = tokenCredentialsId;
        this.caCertificate = caCertificate;
    }

    /** Whether the login comes from Jenkins credentials (and so can be used again from the controller, outside the build). */
    boolean fromCredentials() {
        return kubeconfigCredentialsId != null || serverUrl != null;
    }

    /** Checks the combination before anything is contacted. */
    void validate() {
        if (kubeconfigCredentialsId != null && (serverUrl != null || tokenCredentialsId != null)) {
            throw new InvalidInputException(serverUrl != null ? "serverUrl" : "tokenCredentialsId", serverUrl != null ? serverUrl : tokenCredentialsId,
                    "nothing when kubeconfigCredentialsId is given (the kubeconfig names the server and the login)");
        }
        if (serverUrl != null && tokenCredentialsId == null) {
            throw new InvalidInputException("tokenCredentialsId", null, "the id of a secret text credential holding a token for " + serverUrl);
        }
        if (tokenCredentialsId != null && serverUrl == null) {
            throw new InvalidInputException("serverUrl", null, SERVER_FORM + ", to use the token of '" + tokenCredentialsId + "' with");
        }
        if (serverUrl != null) {
            checkServerUrl(serverUrl);
        }
        if (caCertificate != null && (serverUrl == null || !caCertificate.contains("-----BEGIN CERTIFICATE-----"))) {
            throw new InvalidInputException("caCertificate", caCertificate.length() > 40 ? caCertificate.substring(0, 40) + "…" : caCertificate,
                    serverUrl == null ? "a CA certificate only together with serverUrl" : "a PEM certificate (-----BEGIN CERTIFICATE-----…)");
        }
    }

    private static void checkServerUrl(String url) {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null || uri.getRawUserInfo() != null) {
                throw new InvalidInputException("serverUrl", uri.getRawUserInfo() != null ? scheme + "://****@" + uri.getHost() : url, SERVER_FORM);
            }
        } catch (URISyntaxException e) {
            throw new InvalidInputException("serverUrl", url, SERVER_FORM);
        }
    }

    /**
     * A lease on a client for the cluster, shared with other acts of the same login; the caller closes the lease. Reads credentials (and, with neither id given, files on the agent).
     *
     * @param workspace the build's workspace, or null outside {@code node {}}
     */
    SharedClients.Lease connect(Run<?, ?> run, FilePath workspace, EnvVars environment) throws IOException, InterruptedException {
        validate();
        Config config;
        String source;
        String login;
        if (kubeconfigCredentialsId != null) {
            FileCredentials file = CredentialLookup.forBuild(run, "kubeconfigCredentialsId", kubeconfigCredentialsId, CredentialKind.SECRET_FILE);
            try (InputStream in = file.getContent()) {
                login = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                config = kubeconfig(login, "kubeconfigCredentialsId '" + kubeconfigCredentialsId + "'");
            }
            source = "kubeconfig from credentials '" + kubeconfigCredentialsId + "'";
        } else if (serverUrl != null) {
            StringCredentials token = CredentialLookup.forBuild(run, "tokenCredentialsId", tokenCredentialsId, CredentialKind.SECRET_TEXT);
            login = serverUrl + "\n" + token.getSecret().getPlainText() + "\n" + caCertificate;
            ConfigBuilder builder = new ConfigBuilder(Config.empty()).withMasterUrl(serverUrl).withOauthToken(token.getSecret().getPlainText());
            if (caCertificate != null) {
                builder.withCaCertData(Base64.getEncoder().encodeToString(caCertificate.getBytes(StandardCharsets.US_ASCII)));
            }
            config = builder.build();
            source = serverUrl + " with the token of '" + tokenCredentialsId + "'";
        } else {
            if (workspace == null) {
                throw new InvalidInputException("kubeconfigCredentialsId", null, ACCESS_FORM + "; the agent's own kubeconfig needs the step inside node {}");
            }
            AgentKubeconfig found = workspace.act(new FindAgentKubeconfig(environment.get("KUBECONFIG"), environment.get("KUBERNETES_SERVICE_HOST"),
                    environment.get("KUBERNETES_SERVICE_PORT")));
            if (found == null) {
                throw new InvalidInputException("kubeconfigCredentialsId", null, ACCESS_FORM);
            }
            config = found.kubeconfig() != null ? kubeconfig(found.kubeconfig(), found.source())
                    : new ConfigBuilder(Config.empty()).withMasterUrl(found.server()).withOauthToken(found.token())
                            .withCaCertData(Base64.getEncoder().encodeToString(found.caCertificate().getBytes(StandardCharsets.US_ASCII))).build();
            source = found.source();
            login = found.kubeconfig() != null ? found.kubeconfig() : found.server() + "\n" + found.token() + "\n" + found.caCertificate();
        }
        try {
            SharedClients.Lease lease = SharedClients.acquire(fingerprint(login), config);
            if (fromCredentials()) {
                // the build's Release page buttons reach this cluster the same way
                run.replaceAction(new ClusterAccessAction(this));
            }
            return lease;
        } catch (KubernetesClientException | IllegalArgumentException e) {
            throw new EnvironmentException("cannot make a Kubernetes client from " + source + ": " + e.getMessage(), e);
        }
    }

    private static String fingerprint(String login) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(login.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    private static Config kubeconfig(String content, String source) {
        try {
            return Config.fromKubeconfig(content);
        } catch (KubernetesClientException | IllegalArgumentException e) {
            throw new InvalidInputException("kubeconfigCredentialsId", source, "a kubeconfig file with a current context whose files are inline data ("
                    + e.getMessage() + ")");
        }
    }

    /** What the agent offers: a kubeconfig's text, or an in-cluster service account. */
    record AgentKubeconfig(String source, String kubeconfig, String server, String token, String caCertificate) implements Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public String toString() {
            return "AgentKubeconfig[" + source + "]";
        }
    }

    /** Runs on the agent: the kubeconfig kubectl would read there, or its in-cluster service account. */
    private static final class FindAgentKubeconfig extends MasterToSlaveFileCallable<AgentKubeconfig> {
        private static final long serialVersionUID = 1L;
        private final String kubeconfigVariable;
        private final String serviceHost;
        private final String servicePort;

        FindAgentKubeconfig(String kubeconfigVariable, String serviceHost, String servicePort) {
            this.kubeconfigVariable = kubeconfigVariable;
            this.serviceHost = serviceHost;
            this.servicePort = servicePort;
        }

        @Override
        public AgentKubeconfig invoke(File workspace, VirtualChannel channel) throws IOException {
            if (kubeconfigVariable != null && !kubeconfigVariable.isBlank()) {
                // kubectl merges a KUBECONFIG list; the first file names the current context, which is what a step uses.
                Path file = workspace.toPath().resolve(kubeconfigVariable.split(File.pathSeparator)[0]);
                return new AgentKubeconfig("KUBECONFIG " + file + " on the agent", Files.readString(file), null, null, null);
            }
            Path home = Path.of(System.getProperty("user.home"), ".kube", "config");
            if (Files.isRegularFile(home)) {
                return new AgentKubeconfig(home + " on the agent", Files.readString(home), null, null, null);
            }
            Path token = Path.of(IN_CLUSTER, "token");
            if (serviceHost != null && Files.isRegularFile(token)) {
                String host = serviceHost.contains(":") ? "[" + serviceHost + "]" : serviceHost;
                return new AgentKubeconfig("the in-cluster service account of the agent", null,
                        "https://" + host + ":" + (servicePort == null ? "443" : servicePort), Files.readString(token).strip(),
                        Files.readString(Path.of(IN_CLUSTER, "ca.crt")));
            }
            return null;
        }
    }
}
