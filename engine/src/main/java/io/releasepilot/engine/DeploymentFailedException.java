package io.releasepilot.engine;

/**
 * The deployment act itself failed, was denied by a gate, or was rolled back. The act was
 * recorded in the audit trail before this is thrown.
 */
public class DeploymentFailedException extends ReleasePilotException {

    public DeploymentFailedException(String message) {
        super(message);
    }

    public DeploymentFailedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return 1;
    }
}
