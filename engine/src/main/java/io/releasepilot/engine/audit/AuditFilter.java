package io.releasepilot.engine.audit;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.input.Names;
import java.time.Instant;

/**
 * A query of {@code audit list}: every field optional, records newest first.
 *
 * @param limit at most this many records, 1 to {@link #MAX_LIMIT}
 */
public record AuditFilter(String service, String environment, AuditAction action, Instant since, int limit) {

    public static final int MAX_LIMIT = 10_000;

    public AuditFilter {
        service = service == null ? null : Names.service(service);
        environment = environment == null ? null : Names.environment(environment);
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidInputException("limit", String.valueOf(limit), "a whole number from 1 to " + MAX_LIMIT);
        }
    }

    public static AuditFilter newest(int limit) {
        return new AuditFilter(null, null, null, null, limit);
    }
}
