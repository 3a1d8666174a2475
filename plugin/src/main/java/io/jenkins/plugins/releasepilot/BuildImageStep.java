package io.jenkins.plugins.releasepilot;

import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Item;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.releasepilot.engine.image.BuildImage;
import io.releasepilot.engine.image.BuildRequest;
import io.releasepilot.engine.image.BuilderChoice;
import io.releasepilot.engine.image.BuiltImage;
import io.releasepilot.engine.image.RegistryCredentials;
import io.releasepilot.engine.input.Durations;
import java.util.List;
import java.util.Set;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.jenkinsci.plugins.workflow.steps.SynchronousNonBlockingStepExecution;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import net.sf.json.JSONObject;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.verb.POST;

/**
 * {@code def image = buildImage tags: ['registry.example.com/shop/web:1.4.2']}: builds the
 * Dockerfile on the agent (buildah, docker or kaniko), pushes every tag and returns the digest
 * reference {@code registry/repository@sha256:…} the registry confirms; without push, the image id.
 * A build is one process on the agent, not a wait: it runs on a background thread, and aborting
 * the build kills it.
 */
public class BuildImageStep extends Step {

    private final List<String> tags;
    private String context = ".";
    private String dockerfile;
    private List<String> buildArgs = List.of();
    private String target;
    private List<String> labels = List.of();
    private String builder = BuilderChoice.AUTO.label();
    private boolean push = true;
    private String credentialsId;
    private String service;
    private String timeout;

    @DataBoundConstructor
    public BuildImageStep(List<String> tags) {
        this.tags = tags == null ? List.of() : List.copyOf(tags);
    }

    public List<String> getTags() {
        return tags;
    }

    /** The list parameters as their form text areas show them, one entry per line. */
    public String getTagLines() {
        return FormChecks.text(tags);
    }

    public String getBuildArgLines() {
        return FormChecks.text(buildArgs);
    }

    public String getLabelLines() {
        return FormChecks.text(labels);
    }

    public String getContext() {
        return context;
    }

    /** The build context directory, relative to the workspace; default {@code .}. */
    @DataBoundSetter
    public void setContext(String context) {
        this.context = context == null || context.isBlank() ? "." : context;
    }

    public String getDockerfile() {
        return dockerfile;
    }

    /** The Dockerfile, relative to the workspace; default {@code <context>/Dockerfile}. */
    @DataBoundSetter
    public void setDockerfile(String dockerfile) {
        this.dockerfile = Util.fixEmpty(dockerfile);
    }

    public List<String> getBuildArgs() {
        return buildArgs;
    }

    /** {@code NAME=VALUE} build arguments. Never secrets: they stay in the image history. */
    @DataBoundSetter
    public void setBuildArgs(List<String> buildArgs) {
        this.buildArgs = buildArgs == null ? List.of() : List.copyOf(buildArgs);
    }

    public String getTarget() {
        return target;
    }

    @DataBoundSetter
    public void setTarget(String target) {
        this.target = Util.fixEmpty(target);
    }

    public List<String> getLabels() {
        return labels;
    }

    /** {@code KEY=VALUE} image labels; they win over the OCI created/revision/source labels added. */
    @DataBoundSetter
    public void setLabels(List<String> labels) {
        this.labels = labels == null ? List.of() : List.copyOf(labels);
    }

    public String getBuilder() {
        return builder;
    }

    /** {@code auto} (the first that works of buildah, docker, kaniko), {@code buildah}, {@code docker} or {@code kaniko}. */
    @DataBoundSetter
    public void setBuilder(String builder) {
        this.builder = builder == null || builder.isBlank() ? BuilderChoice.AUTO.label() : builder;
    }

    public boolean isPush() {
        return push;
    }

    @DataBoundSetter
    public void setPush(boolean push) {
        this.push = push;
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    /** Username/password credentials for the registries of the tags. */
    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = Util.fixEmpty(credentialsId);
    }

    public String getService() {
        return service;
    }

    @DataBoundSetter
    public void setService(String service) {
        this.service = Util.fixEmpty(service);
    }

    public String getTimeout() {
        return timeout;
    }

    /** How long building and pushing may take, e.g. {@code 30m}; default 1h. */
    @DataBoundSetter
    public void setTimeout(String timeout) {
        this.timeout = Util.fixEmpty(timeout);
    }

    @Override
    public StepExecution start(StepContext context) {
        return new Execution(this, context);
    }

    private static final class Execution extends SynchronousNonBlockingStepExecution<String> {
        private static final long serialVersionUID = 1L;
        private final transient BuildImageStep step;

        Execution(BuildImageStep step, StepContext context) {
            super(context);
            this.step = step;
        }

        @Override
        protected String run() throws Exception {
            StepContext ctx = getContext();
            TaskListener listener = ctx.get(TaskListener.class);
            try {
                return step.buildOnAgent(ctx.get(Run.class), ctx.get(FilePath.class), ctx.get(EnvVars.class), ctx.get(Launcher.class),
                        listener);
            } finally {
                AuditTrail.seal(listener, DescriptorImpl.NAME);
            }
        }
    }

    /** Builds and pushes on the build's agent: the Pipeline step and the freestyle build step both run this. */
    String buildOnAgent(Run<?, ?> run, FilePath workspace, EnvVars env, Launcher agent, TaskListener listener) throws Exception {
        AgentProcessLauncher launcher = new AgentProcessLauncher(agent, workspace, env);
        ConsoleProgress progress = new ConsoleProgress(listener);
        try {
            BuildRequest request = request(run, workspace, env);
            BuildImage buildImage = BuildImage.standard(launcher);
            buildImage.checkContext(request);
            BuiltImage built = buildImage.run(request, AuditTrail.get().store(), BuildOrigin.of(run), progress);
            return built.digestReference() != null ? built.digestReference() : built.imageId();
        } catch (RuntimeException e) {
            throw asException(StepFailures.forBuild(DescriptorImpl.NAME, e));
        }
    }

    /** The engine's request; paths resolved against the workspace, as the CLI resolves them against its directory. */
    BuildRequest request(Run<?, ?> run, FilePath workspace, EnvVars env) throws CredentialLookupException {
        boolean pushing = push;
        RegistryCredentials credentials = null;
        if (credentialsId != null) {
            StandardUsernamePasswordCredentials login = CredentialLookup.forBuild(run, "credentialsId", credentialsId,
                    CredentialKind.USERNAME_PASSWORD);
            credentials = new RegistryCredentials(login.getUsername(), login.getPassword().getPlainText().toCharArray(),
                    "Jenkins credentials '" + credentialsId + "'");
        }
        return new BuildRequest(
                workspace.child(context).getRemote(),
                dockerfile == null ? null : workspace.child(dockerfile).getRemote(),
                BuildRequest.tags(tags, pushing),
                BuildRequest.pairs("buildArgs", buildArgs, BuildRequest.BUILD_ARG_FORM),
                target,
                BuildRequest.pairs("labels", labels, BuildRequest.LABEL_FORM),
                BuilderChoice.parse("builder", builder),
                pushing,
                credentials,
                Util.fixEmpty(env.get("GIT_COMMIT")),
                Util.fixEmpty(env.get("GIT_URL")),
                service,
                timeout == null ? null : Durations.parsePositive("timeout", timeout));
    }

    static Exception asException(Throwable t) {
        return t instanceof Exception e ? e : new RuntimeException(t);
    }

    @Extension
    @Symbol(DescriptorImpl.NAME)
    public static class DescriptorImpl extends StepDescriptor {
        static final String NAME = "buildImage";

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, FilePath.class, Launcher.class, EnvVars.class, TaskListener.class);
        }

        @Override
        public String getFunctionName() {
            return NAME;
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Build and push a container image";
        }

        public ListBoxModel doFillBuilderItems() {
            ListBoxModel items = new ListBoxModel();
            for (BuilderChoice choice : BuilderChoice.values()) {
                items.add(choice.label());
            }
            return items;
        }

        @POST
        public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
            return CredentialItems.forItem(item, credentialsId, CredentialKind.USERNAME_PASSWORD);
        }

        /** The form's text areas hold one tag, build argument or label per line; the step takes lists. */
        @Override
        public Step newInstance(StaplerRequest2 req, @NonNull JSONObject form) throws FormException {
            return super.newInstance(req, FormChecks.linesToLists(form, "tags", "buildArgs", "labels"));
        }

        @POST
        public FormValidation doCheckTags(@AncestorInPath Item item, @QueryParameter String value, @QueryParameter boolean push) {
            if (FormChecks.allowed(item) && FormChecks.lines(value).isEmpty()) {
                return FormValidation.error("at least one tag, a full image reference such as registry.example.com/shop/web:1.4.2");
            }
            return FormChecks.check(item, value, text -> BuildRequest.tags(FormChecks.lines(text), push));
        }

        @POST
        public FormValidation doCheckBuildArgs(@AncestorInPath Item item, @QueryParameter String value) {
            return FormChecks.check(item, value, text -> BuildRequest.pairs("buildArgs", FormChecks.lines(text), BuildRequest.BUILD_ARG_FORM));
        }

        @POST
        public FormValidation doCheckLabels(@AncestorInPath Item item, @QueryParameter String value) {
            return FormChecks.check(item, value, text -> BuildRequest.pairs("labels", FormChecks.lines(text), BuildRequest.LABEL_FORM));
        }

        @POST
        public FormValidation doCheckBuilder(@AncestorInPath Item item, @QueryParameter String value) {
            return FormChecks.check(item, value, text -> BuilderChoice.parse("builder", text));
        }

        @POST
        public FormValidation doCheckTimeout(@AncestorInPath Item item, @QueryParameter String value) {
            return FormChecks.check(item, value, text -> Durations.parsePositive("timeout", text));
        }
    }
}
