package io.releasepilot.engine.dashboard;

import java.time.Instant;

/**
 * The four DORA figures for the production environment over a window (docs/dashboard.md).
 *
 * @param deployments          successful PROMOTED and MANUAL_CHANGE records in production
 * @param deploymentsPerDay    {@code deployments} divided by the window's length in days
 * @param changes              distinct service images that entered production
 * @param failedChanges        of those, how many were rolled back
 * @param changeFailureRate    {@code failedChanges / changes}, or null with no change
 * @param restores             rollbacks whose failed change's entry into production is known
 * @param medianRestoreSeconds median time from a failed change entering production to its rollback, or null
 * @param leadTimes            production deployments whose image build is recorded
 * @param medianLeadSeconds    median time from IMAGE_BUILT to the production deployment, or null
 */
public record DoraFigures(String environment, Instant from, Instant to, long deployments, double deploymentsPerDay,
                          long changes, long failedChanges, Double changeFailureRate,
                          long restores, Double medianRestoreSeconds, long leadTimes, Double medianLeadSeconds) {
}
