package io.releasepilot.engine.release;

import io.releasepilot.engine.audit.AuditRecord;
import java.time.Instant;

/**
 * What runs in one service × environment cell, derived from the audit trail.
 *
 * @param release        the stable release name, or null if none was recorded
 * @param image          the stable image digest reference, or null if nothing stable was recorded
 * @param canaryImage    the canary's image, or null when no canary runs
 * @param canaryWeight   the canary's traffic weight in percent as the cluster runs it (replica counts round it),
 *                       or null when no canary runs
 * @param since          when the current state (canary or stable) began
 * @param byOrigin       the job/build URL or CLI host that made the current state
 * @param last           the newest record of the cell (e.g. a failed attempt or a note)
 * @param canaryAskedWeight the weight that was asked for when the cluster runs another one, else null
 */
public record Placement(String service, String environment, String release, String image, String canaryImage,
                        Integer canaryWeight, String canaryRelease, Instant since, String byOrigin, String byActor,
                        AuditRecord last, Integer canaryAskedWeight) {
}
