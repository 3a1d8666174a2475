package io.releasepilot.engine.act;

import io.releasepilot.engine.DeploymentFailedException;

/** The host stopped an act (a Jenkins abort, Ctrl-C): its state was left consistent and recorded. */
public class ActCancelledException extends DeploymentFailedException {

    public ActCancelledException(String message) {
        super(message);
    }
}
