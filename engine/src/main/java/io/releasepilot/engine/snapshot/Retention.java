package io.releasepilot.engine.snapshot;

import io.releasepilot.engine.InvalidInputException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * {@code retain: N}: keep the N newest snapshots this tool made for one database, the one just
 * taken among them, and choose the rest for removal. Callers pass only snapshots they have proved
 * to be their own (by tag or manifest), so nothing else can ever be chosen.
 */
public final class Retention {

    public static final String ACCEPTED_FORM = "a whole number of snapshots to keep, 1 or more";

    private Retention() {
    }

    /** Checks a {@code retain} value given by a person; null means no retention. */
    public static Integer validate(Integer retain) {
        if (retain != null && retain < 1) {
            throw new InvalidInputException("retain", String.valueOf(retain), ACCEPTED_FORM);
        }
        return retain;
    }

    /**
     * The snapshots to remove, oldest first.
     *
     * @param existing   this tool's snapshots of the database, not counting the new one
     * @param createdAt  when each was taken; null (still being created) counts as newest
     * @param retain     how many to keep in all, counting the new one
     */
    public static <T> List<T> toPrune(List<T> existing, Function<T, Instant> createdAt, int retain) {
        List<T> newestFirst = new ArrayList<>(existing);
        newestFirst.sort(Comparator.comparing(createdAt, Comparator.nullsFirst(Comparator.<Instant>reverseOrder())));
        int keepOfExisting = Math.max(0, retain - 1);
        if (newestFirst.size() <= keepOfExisting) {
            return List.of();
        }
        List<T> prune = new ArrayList<>(newestFirst.subList(keepOfExisting, newestFirst.size()));
        prune.sort(Comparator.comparing(createdAt, Comparator.nullsLast(Comparator.<Instant>naturalOrder())));
        return prune;
    }
}
