package io.releasepilot.engine.snapshot;

import java.util.Arrays;
import java.util.Objects;

/**
 * A database password held as characters, shown as {@code ****} wherever it is printed, so it can
 * travel through requests and records without reaching a log by accident.
 */
public final class DatabasePassword {

    private final char[] value;

    private DatabasePassword(char[] value) {
        this.value = value;
    }

    /** Null or empty input means "no password". */
    public static DatabasePassword of(char[] value) {
        return value == null || value.length == 0 ? null : new DatabasePassword(value.clone());
    }

    public static DatabasePassword of(String value) {
        return value == null || value.isEmpty() ? null : new DatabasePassword(value.toCharArray());
    }

    /** The password itself, for a passfile or a masked-values list only. */
    public String reveal() {
        return new String(value);
    }

    @Override
    public String toString() {
        return "****";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DatabasePassword p && Arrays.equals(value, p.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(value.length);
    }
}
