package io.releasepilot.engine.alert;

import java.time.Duration;

/**
 * How a watch that did not trigger ended.
 *
 * @param observations  observations made, errored ones included
 * @param sourceErrors  observations the source failed
 * @param watched       how long it watched
 * @param bodyExitCode  the guarded body's exit code; null in watch mode
 */
public record WatchReport(int observations, int sourceErrors, Duration watched, Integer bodyExitCode) {
}
