package io.jenkins.plugins.releasepilot;

import hudson.AbortException;
import io.releasepilot.engine.ReleasePilotException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * How an engine error reaches the build: the engine's own message (it names the parameter, the
 * object and what was tried) as an {@link AbortException}, so the console shows a sentence and no
 * stack trace; the trace goes to the controller log for an administrator.
 */
final class StepFailures {

    private static final Logger LOGGER = Logger.getLogger(StepFailures.class.getName());

    private StepFailures() {
    }

    /** The failure to hand to the step context for what the engine threw or completed with. */
    static Throwable forBuild(String step, Throwable thrown) {
        Throwable cause = unwrap(thrown);
        if (cause instanceof ReleasePilotException engine) {
            LOGGER.log(Level.FINE, step + " failed", engine);
            return new AbortException("[" + step + "] " + engine.getMessage());
        }
        return cause;
    }

    static Throwable unwrap(Throwable thrown) {
        Throwable t = thrown;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
