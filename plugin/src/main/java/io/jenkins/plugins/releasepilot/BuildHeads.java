package io.jenkins.plugins.releasepilot;

import hudson.XmlFile;
import hudson.init.Terminator;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import java.io.File;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.model.Jenkins;

/**
 * The audit head every build recorded on its Release page (the seq and hash of its last record),
 * kept together in {@code $JENKINS_HOME/release-pilot-build-heads.xml} so the dashboard can hold
 * all of them against the trail without loading every build. A head the trail no longer has, with
 * that hash, means the trail was rewritten after the build ran. (Public only so that Jenkins can
 * call its {@link Terminator}.)
 */
public final class BuildHeads {

    private static final Logger LOGGER = Logger.getLogger(BuildHeads.class.getName());
    private static final BuildHeads INSTANCE = new BuildHeads();
    static final String FILE_NAME = "release-pilot-build-heads.xml";

    /**
     * A build's head: the build's externalizable id, its URL (the origin of its records), and the
     * record it ended on. A class, not a record: XStream cannot set a record's fields.
     */
    static final class Head {
        private final String build;
        private final String origin;
        private final long seq;
        private final String hash;

        Head(String build, String origin, long seq, String hash) {
            this.build = build;
            this.origin = origin;
            this.seq = seq;
            this.hash = hash;
        }

        String build() {
            return build;
        }

        String origin() {
            return origin;
        }

        long seq() {
            return seq;
        }

        String hash() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Head h && h.build.equals(build) && h.origin.equals(origin) && h.seq == seq && h.hash.equals(hash);
        }

        @Override
        public int hashCode() {
            return Objects.hash(build, origin, seq, hash);
        }
    }

    /** The first build whose head the trail contradicts, and why. */
    record Mismatch(Head head, String message) {
    }

    private Map<String, Head> heads;
    private long version;

    private BuildHeads() {
    }

    static BuildHeads get() {
        return INSTANCE;
    }

    synchronized void record(Head head) {
        load();
        if (head.equals(heads.get(head.build()))) {
            return;
        }
        heads.put(head.build(), head);
        version++;
        try {
            file().write(new TreeMap<>(heads));
        } catch (IOException e) {
            LOGGER.log(Level.WARNING, "could not save the audit head of " + head.build() + " to " + file(), e);
        }
    }

    /** Forgets what was read, so the next controller (a test's next Jenkins) reads its own file. */
    @Terminator
    public static void forget() {
        synchronized (INSTANCE) {
            INSTANCE.heads = null;
        }
    }

    synchronized long version() {
        load();
        return version;
    }

    synchronized List<Head> all() {
        load();
        return List.copyOf(heads.values());
    }

    /** Each head against the record the trail holds at its seq: the first that differs, or null when all agree. */
    static Mismatch check(AuditStore store, List<Head> heads) {
        for (Head head : heads) {
            List<AuditRecord> at = store.between(head.seq() - 1, head.seq());
            if (at.isEmpty()) {
                return new Mismatch(head, "build " + head.origin() + " ended on record " + head.seq() + " with hash " + head.hash()
                        + ", but the trail has no record " + head.seq());
            }
            AuditRecord record = at.get(0);
            if (!record.hash().equals(head.hash()) || !head.origin().equals(record.origin())) {
                return new Mismatch(head, "build " + head.origin() + " ended on record " + head.seq() + " with hash " + head.hash()
                        + ", but the trail's record " + head.seq() + " has hash " + record.hash() + " from " + record.origin());
            }
        }
        return null;
    }

    @SuppressWarnings("unchecked")
    private void load() {
        if (heads != null) {
            return;
        }
        heads = new TreeMap<>();
        XmlFile file = file();
        if (file.exists()) {
            try {
                heads.putAll((Map<String, Head>) file.read());
            } catch (IOException | ClassCastException e) {
                LOGGER.log(Level.WARNING, "could not read the build audit heads from " + file + "; starting a new list", e);
            }
        }
    }

    private static XmlFile file() {
        return new XmlFile(Jenkins.XSTREAM2, new File(Jenkins.get().getRootDir(), FILE_NAME));
    }
}
