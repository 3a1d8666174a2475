package io.jenkins.plugins.releasepilot;

import hudson.EnvVars;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.ListBoxModel;
import java.util.Set;
import org.jenkinsci.plugins.workflow.graph.FlowNode;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * What every Kubernetes step takes: the Deployment it acts on, the service and environment the
 * audit trail files it under, and how the cluster is reached ({@link KubernetesAccess}).
 */
public abstract class KubernetesStep extends Step {

    private final String namespace;
    private final String deployment;
    private String service;
    private String environment;
    private String kubeconfigCredentialsId;
    private String serverUrl;
    private String tokenCredentialsId;
    private String caCertificate;

    protected KubernetesStep(String namespace, String deployment) {
        this.namespace = Util.fixEmpty(namespace);
        this.deployment = Util.fixEmpty(deployment);
    }

    public String getNamespace() {
        return namespace;
    }

    public String getDeployment() {
        return deployment;
    }

    public String getService() {
        return service;
    }

    /** The logical service in the audit trail; default: the deployment's name. */
    @DataBoundSetter
    public void setService(String service) {
        this.service = Util.fixEmpty(service);
    }

    public String getEnvironment() {
        return environment;
    }

    /** INT, UAT, PROD…: the lifecycle environment; default: the one recorded on the Deployment, else the first. */
    @DataBoundSetter
    public void setEnvironment(String environment) {
        this.environment = Util.fixEmpty(environment);
    }

    public String getKubeconfigCredentialsId() {
        return kubeconfigCredentialsId;
    }

    /** A secret file credential holding a kubeconfig (with inline certificates and keys). */
    @DataBoundSetter
    public void setKubeconfigCredentialsId(String kubeconfigCredentialsId) {
        this.kubeconfigCredentialsId = Util.fixEmpty(kubeconfigCredentialsId);
    }

    public String getServerUrl() {
        return serverUrl;
    }

    /** The API server's URL, used with {@link #setTokenCredentialsId}. */
    @DataBoundSetter
    public void setServerUrl(String serverUrl) {
        this.serverUrl = Util.fixEmpty(serverUrl);
    }

    public String getTokenCredentialsId() {
        return tokenCredentialsId;
    }

    /** A secret text credential holding a token for {@link #setServerUrl}. */
    @DataBoundSetter
    public void setTokenCredentialsId(String tokenCredentialsId) {
        this.tokenCredentialsId = Util.fixEmpty(tokenCredentialsId);
    }

    public String getCaCertificate() {
        return caCertificate;
    }

    /** The API server's CA certificate (PEM), when it is not one the controller's Java trusts. */
    @DataBoundSetter
    public void setCaCertificate(String caCertificate) {
        this.caCertificate = Util.fixEmpty(caCertificate);
    }

    KubernetesAccess access() {
        return new KubernetesAccess(kubeconfigCredentialsId, serverUrl, tokenCredentialsId, caCertificate);
    }

    /** The descriptor every Kubernetes step shares: its context and its credentials drop-downs. */
    public abstract static class KubernetesStepDescriptor extends StepDescriptor {

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            // No FilePath: a step with explicit cluster access runs outside node {} and holds no executor while it waits.
            return Set.of(Run.class, EnvVars.class, TaskListener.class, FlowNode.class);
        }

        @POST
        public ListBoxModel doFillKubeconfigCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String kubeconfigCredentialsId) {
            return CredentialItems.forItem(item, kubeconfigCredentialsId, CredentialKind.SECRET_FILE);
        }

        @POST
        public ListBoxModel doFillTokenCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String tokenCredentialsId) {
            return CredentialItems.forItem(item, tokenCredentialsId, CredentialKind.SECRET_TEXT);
        }
    }
}
