package io.releasepilot.engine.audit;

/** How an audited act ended. */
public enum Outcome {
    SUCCEEDED,
    FAILED,
    DENIED
}
