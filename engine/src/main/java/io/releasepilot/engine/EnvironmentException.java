package io.releasepilot.engine;

/**
 * Something outside our control failed: a server is unreachable, refused our credentials or did
 * not answer in time. The message says which endpoint and what was tried.
 */
public class EnvironmentException extends ReleasePilotException {

    public EnvironmentException(String message) {
        super(message);
    }

    public EnvironmentException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public int exitCode() {
        return 3;
    }
}
