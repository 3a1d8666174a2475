package io.releasepilot.engine;

/**
 * The root of every error the engine reports to a person. Each kind carries the exit code the CLI
 * uses (DESIGN.md "Exit codes"), so a host never has to guess how serious an error is.
 */
public abstract class ReleasePilotException extends RuntimeException {

    protected ReleasePilotException(String message) {
        super(message);
    }

    protected ReleasePilotException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The CLI exit code for this kind of error. */
    public abstract int exitCode();
}
