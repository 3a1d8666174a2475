package io.releasepilot.engine.alert;

import java.time.Duration;

/**
 * How a watch that did not trigger ended.
 *
 * @param observations  observations made, errored ones included (a resumed watch counts those before the restart)
 * @param sourceErrors  observations the source failed
 * @param watched       how long it watched, from its recorded start
 * @param bodyResult    what the guarded body completed with (a {@link ProcessBody}: its exit code); null in watch mode
 */
public record WatchReport(int observations, int sourceErrors, Duration watched, Object bodyResult) {
}
