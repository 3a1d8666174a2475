package io.jenkins.plugins.releasepilot;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.AbstractProject;
import hudson.model.Descriptor;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.tasks.BuildStepDescriptor;
import hudson.tasks.Builder;
import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.model.Jenkins;
import jenkins.tasks.SimpleBuildStep;
import org.jenkinsci.plugins.workflow.steps.Step;

/**
 * A Release Pilot step as a freestyle build step. It holds the Pipeline step itself as its
 * configuration (the form shows the step's own fields and help) and runs the step's own act, so
 * a freestyle job and a Jenkinsfile do exactly the same thing. After the act the build's Release
 * page is brought up to date.
 *
 * @param <S> the Pipeline step configured
 */
public abstract class ReleaseBuilder<S extends Step> extends Builder implements SimpleBuildStep {

    private static final Logger LOGGER = Logger.getLogger(ReleaseBuilder.class.getName());

    private final S step;

    protected ReleaseBuilder(S step) {
        this.step = step;
    }

    public S getStep() {
        return step;
    }

    /** The act on the agent; returns what the Pipeline step would return. */
    protected abstract String act(S step, Run<?, ?> run, FilePath workspace, EnvVars env, Launcher launcher, TaskListener listener)
            throws Exception;

    /** The build step's name in console lines. */
    protected abstract String name();

    @Override
    public void perform(@NonNull Run<?, ?> run, @NonNull FilePath workspace, @NonNull EnvVars env, @NonNull Launcher launcher,
                        @NonNull TaskListener listener) throws InterruptedException, IOException {
        String result;
        try {
            result = act(step, run, workspace, env, launcher, listener);
        } catch (IOException | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        } finally {
            showOnReleasePage(run);
        }
        if (result == null) {
            throw new AbortException("[" + name() + "] the act returned nothing");
        }
        listener.getLogger().println("[" + name() + "] result: " + result);
    }

    /** The build's Release page, up to date after this act; a store that cannot be read must not hide the act's own outcome. */
    private static void showOnReleasePage(Run<?, ?> run) {
        try {
            ReleaseAction.attach(run);
        } catch (IOException | RuntimeException e) {
            LOGGER.log(Level.WARNING, "could not bring the Release page of " + run.getFullDisplayName() + " up to date", e);
        }
    }

    /** Offered in freestyle projects (and any other project type that takes build steps). */
    public abstract static class ReleaseBuilderDescriptor extends BuildStepDescriptor<Builder> {
        private final Class<? extends Step> stepType;

        protected ReleaseBuilderDescriptor(Class<? extends Step> stepType) {
            this.stepType = stepType;
        }

        /** The Pipeline step's descriptor, whose form and help the build step shows (the generic field's type is erased). */
        public Descriptor<?> getStepDescriptor() {
            return Jenkins.get().getDescriptorOrDie(stepType);
        }

        @Override
        public boolean isApplicable(Class<? extends AbstractProject> jobType) {
            return true;
        }
    }
}
