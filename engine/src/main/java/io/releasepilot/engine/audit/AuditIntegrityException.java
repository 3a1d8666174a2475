package io.releasepilot.engine.audit;

import io.releasepilot.engine.ReleasePilotException;

/** The audit trail failed verification; the message names the first bad sequence number. */
public class AuditIntegrityException extends ReleasePilotException {

    public AuditIntegrityException(String message) {
        super(message);
    }

    @Override
    public int exitCode() {
        return 4;
    }
}
