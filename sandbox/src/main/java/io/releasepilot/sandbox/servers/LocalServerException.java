package io.releasepilot.sandbox.servers;

/**
 * A local server (PostgreSQL, Prometheus, Alertmanager, a metrics target) could not be installed,
 * started or asked: the message names the program or endpoint and what was tried. Hosts report
 * it as an environment error (CLI exit code 3).
 */
public class LocalServerException extends RuntimeException {

    public LocalServerException(String message) {
        super(message);
    }

    public LocalServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
