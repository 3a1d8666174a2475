package io.jenkins.plugins.releasepilot;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.releasepilot.engine.audit.AuditStore;
import java.util.List;

/**
 * The dashboard's second verification: every build's recorded audit head held against the trail.
 * The chain check alone cannot see a trail rewritten from some record on and re-hashed; a build
 * that recorded "I ended on record 812 with hash H" can. Re-checked when a build recorded a new
 * head or the trail grew, and otherwise at most once a minute (a check reads one record a build).
 */
final class HeadCheck {

    private static final long RECHECK_MILLIS = 60_000;

    private long checkedVersion = -1;
    private long checkedHeadSeq = -1;
    private long checkedAt;
    private int checkedBuilds;
    private BuildHeads.Mismatch mismatch;

    /** Adds the builds' heads to the engine's verification status: a contradicted head turns it FAILED, naming the build. */
    void overlay(ObjectNode verification, AuditStore store) {
        State state = state(store);
        ObjectNode heads = verification.putObject("buildHeads");
        heads.put("checked", state.builds());
        heads.put("intact", state.mismatch() == null);
        if (state.mismatch() != null) {
            verification.put("state", "FAILED");
            ObjectNode problem = verification.putObject("problem");
            problem.put("seq", state.mismatch().head().seq());
            problem.put("kind", "BUILD_HEAD");
            problem.put("message", state.mismatch().message());
        }
    }

    private record State(int builds, BuildHeads.Mismatch mismatch) {
    }

    private synchronized State state(AuditStore store) {
        BuildHeads all = BuildHeads.get();
        long version = all.version();
        long headSeq = store.head().seq();
        long now = System.currentTimeMillis();
        if (version != checkedVersion || headSeq != checkedHeadSeq || now - checkedAt > RECHECK_MILLIS) {
            List<BuildHeads.Head> heads = all.all();
            mismatch = BuildHeads.check(store, heads);
            checkedBuilds = heads.size();
            checkedVersion = version;
            checkedHeadSeq = headSeq;
            checkedAt = now;
        }
        return new State(checkedBuilds, mismatch);
    }
}
