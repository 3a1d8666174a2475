package io.jenkins.plugins.releasepilot;

import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.model.listeners.RunListener;
import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * When a build ends, gives it a Release page if it recorded acts (Pipeline and freestyle alike),
 * with the audit head it ended on.
 */
@Extension
public class ReleaseRunListener extends RunListener<Run<?, ?>> {

    private static final Logger LOGGER = Logger.getLogger(ReleaseRunListener.class.getName());

    @Override
    public void onCompleted(Run<?, ?> run, @NonNull TaskListener listener) {
        try {
            ReleaseAction action = ReleaseAction.attach(run);
            if (action != null) {
                listener.getLogger().println("[release-pilot] audit head of this build: record " + action.getHeadSeq() + ", hash "
                        + action.getHeadHash());
            }
        } catch (IOException | RuntimeException e) {
            // A build that did no release act must not fail because the audit store cannot be opened.
            LOGGER.log(Level.WARNING, "could not read the audit records of " + run.getFullDisplayName(), e);
        }
    }
}
