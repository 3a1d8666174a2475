package io.releasepilot.engine.audit;

/** How an audited act ended. */
public enum Outcome {
    SUCCEEDED,
    FAILED,
    DENIED,
    /** The host stopped the act (a Jenkins abort, Ctrl-C); its state was left consistent and recorded. */
    CANCELLED
}
