package io.releasepilot.engine.audit;

/** How an audited act ended. */
public enum Outcome {
    SUCCEEDED,
    FAILED,
    DENIED,
    /** The host stopped the act (a Jenkins abort, Ctrl-C); what it had done is left as recorded on the target. */
    CANCELLED
}
