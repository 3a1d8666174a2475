package io.releasepilot.sandbox.cluster;

/** How the simulated controller's pods of one image behave. */
public enum PodBehaviour {
    /** Ready after the controller's start delay. */
    HEALTHY,
    /** Running, never ready (a readiness probe that never passes). */
    NEVER_READY,
    /** Restarting over and over: the restart count climbs, the pod never gets ready. */
    CRASH_LOOP
}
