package io.jenkins.plugins.releasepilot;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Run;
import hudson.model.TaskListener;
import org.kohsuke.stapler.DataBoundConstructor;

/** {@code buildImage} as a freestyle build step: builds and pushes on the build's agent, as the Pipeline step does. */
public class BuildImageBuilder extends ReleaseBuilder<BuildImageStep> {

    @DataBoundConstructor
    public BuildImageBuilder(BuildImageStep step) {
        super(step);
    }

    @Override
    protected String act(BuildImageStep step, Run<?, ?> run, FilePath workspace, EnvVars env, Launcher launcher, TaskListener listener)
            throws Exception {
        return step.buildOnAgent(run, workspace, env, launcher, listener);
    }

    @Override
    protected String name() {
        return BuildImageStep.DescriptorImpl.NAME;
    }

    @Extension
    public static class DescriptorImpl extends ReleaseBuilderDescriptor {
        public DescriptorImpl() {
            super(BuildImageStep.class);
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Release Pilot: build and push a container image";
        }
    }
}
