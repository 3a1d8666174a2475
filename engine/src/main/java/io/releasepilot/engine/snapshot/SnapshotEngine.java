package io.releasepilot.engine.snapshot;

import io.releasepilot.engine.InvalidInputException;
import java.util.Locale;

/** Which kind of database a snapshot step takes a snapshot of. */
public enum SnapshotEngine {
    /** An Amazon RDS DB instance or Aurora DB cluster: a storage snapshot kept by AWS. */
    RDS,
    /** Any PostgreSQL server: a {@code pg_dump} custom-format archive written on the host. */
    POSTGRES;

    public static final String ACCEPTED_FORM = "rds or postgres";

    public static SnapshotEngine parse(String value) {
        if (value != null) {
            for (SnapshotEngine e : values()) {
                if (e.name().equalsIgnoreCase(value.strip())) {
                    return e;
                }
            }
        }
        throw new InvalidInputException("engine", value, ACCEPTED_FORM);
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
