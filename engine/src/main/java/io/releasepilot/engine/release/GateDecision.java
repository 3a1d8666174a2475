package io.releasepilot.engine.release;

import io.releasepilot.engine.audit.AuditRecord;

/**
 * Whether a digest may enter an environment, and why.
 *
 * @param evidence the PROMOTED record in the previous environment that allows it, if any
 */
public record GateDecision(boolean allowed, String reason, AuditRecord evidence) {

    static GateDecision allow(String reason, AuditRecord evidence) {
        return new GateDecision(true, reason, evidence);
    }

    static GateDecision deny(String reason) {
        return new GateDecision(false, reason, null);
    }
}
