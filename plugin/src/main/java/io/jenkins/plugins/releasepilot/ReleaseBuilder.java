package io.jenkins.plugins.releasepilot;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.AbortException;
import hudson.EnvVars;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.AbstractProject;
import hudson.model.Descriptor;
import hudson.model.Project;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.tasks.BuildStepDescriptor;
import hudson.tasks.Builder;
import io.releasepilot.engine.act.RunId;
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

    /**
     * This build step's run id: the build's URL and the step's place in the job's build steps, so
     * the same step of the same build always has the same id (a Pipeline step uses its flow node).
     */
    protected RunId runId(Run<?, ?> run) {
        int place = run.getParent() instanceof Project<?, ?> project ? project.getBuildersList().indexOf(this) : -1;
        return new RunId(BuildOrigin.url(run) + "#" + name() + "-" + (place + 1));
    }

    /** The build step's name in console lines. */
    protected abstract String name();

    @Override
    public void perform(@NonNull Run<?, ?> run, @NonNull FilePath workspace, @NonNull EnvVars env, @NonNull Launcher launcher,
                        @NonNull TaskListener listener) throws InterruptedException, IOException {
        String result;
        try {
            // On the plugin's class loader: fabric8 and JDBC find their parts through the thread's context loader.
            result = EngineClassLoading.call(ignored -> {
                try {
                    return act(step, run, workspace, env, launcher, listener);
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    throw new ActFailure(e);
                }
            }, null);
        } catch (ActFailure e) {
            Throwable cause = StepFailures.forBuild(name(), e.getCause());
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof InterruptedException interrupted) {
                throw interrupted;
            }
            throw new IOException(cause);
        } catch (RuntimeException e) {
            if (StepFailures.forBuild(name(), e) instanceof IOException userError) {
                throw userError;
            }
            throw e;
        } finally {
            AuditTrail.seal(listener, name());
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

    /** Carries a checked exception out of the class-loading wrapper. */
    private static final class ActFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ActFailure(Exception cause) {
            super(cause);
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
