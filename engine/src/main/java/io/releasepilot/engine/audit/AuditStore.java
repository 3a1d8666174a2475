package io.releasepilot.engine.audit;

import io.releasepilot.engine.act.ActStateStore;
import io.releasepilot.engine.host.Origin;
import java.util.List;
import java.util.Optional;

/**
 * Where the trail lives. Appends are chained and durable: when {@link #append} returns, the record
 * is committed. Writers in any number of threads and processes queue on the chain head, so the
 * chain never forks and no record is lost.
 */
public interface AuditStore extends AutoCloseable {

    /** Appends one record and returns it as stored. */
    AuditRecord append(AuditEvent event, Origin origin);

    /** Appends several records in one transaction (all or none), e.g. an import. */
    List<AuditRecord> appendAll(List<AuditEvent> events, Origin origin);

    /** Signs a checkpoint over the current head now; needs a signing key. */
    Checkpoint checkpoint();

    /**
     * Ends an act: signs a checkpoint over the head unless one is there already, so the newest
     * record is covered by a signature, and returns the head for the host to keep outside the store
     * (a build log, a Jenkins build). Without a signing key, or on an empty store, the head is
     * returned unsigned. With concurrent acts the head may be a later act's record; it covers this
     * act's records all the same, since the chain runs through them.
     */
    AuditHead seal();

    /** The sequence number and hash of the newest record, as the head row says. */
    ChainHead head();

    /** Records with {@code seq > afterSeq}, oldest first: the feed, verification and export. */
    List<AuditRecord> after(long afterSeq, int limit);

    /** Records with {@code fromExclusive < seq <= toInclusive}, oldest first: ranges that can be read in parallel. */
    List<AuditRecord> between(long fromExclusive, long toInclusive);

    /** The highest sequence number stored (0 when empty), whatever the head row says. */
    long lastStoredSeq();

    /** Records matching a filter, newest first. */
    List<AuditRecord> list(AuditFilter filter);

    /** One service's records with {@code seq < beforeSeq} (or the newest, if null), newest first. */
    List<AuditRecord> history(String service, Long beforeSeq, int limit);

    /** Every service × environment cell with its latest, stable and canary records. */
    List<Cell> cells();

    /**
     * The most recent successful record of {@code action} of this service in that environment whose
     * image is pinned to {@code digest} ({@code sha256:…}), whatever registry or tag it was named by.
     */
    Optional<AuditRecord> latest(AuditAction action, String service, String environment, String digest);

    /** All checkpoints, oldest first. */
    List<Checkpoint> checkpoints();

    /**
     * The durable state of long acts (a watch's window, an RDS snapshot wait), kept in this
     * store's database beside the trail and outside its hash chain.
     */
    ActStateStore actState();

    /** Where the store is, for messages: never with a password. */
    String location();

    @Override
    void close();

    /** The head of the chain. */
    record ChainHead(long seq, String hash) {
    }

    /**
     * What a service × environment cell holds.
     *
     * @param last   the newest record of any action in the cell
     * @param stable the newest successful record that set the stable release (may be null)
     * @param canary the canary running beside it now, or null when none
     */
    record Cell(String service, String environment, AuditRecord last, AuditRecord stable, AuditRecord canary) {
    }
}
