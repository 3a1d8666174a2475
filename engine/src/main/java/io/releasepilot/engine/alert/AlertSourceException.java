package io.releasepilot.engine.alert;

/**
 * A source could not say what is firing: unreachable, refused, or answered something we cannot
 * read. The watch counts it as an errored observation; it never ends the watch by itself.
 */
public final class AlertSourceException extends Exception {

    public AlertSourceException(String message) {
        super(message);
    }

    public AlertSourceException(String message, Throwable cause) {
        super(message, cause);
    }
}
