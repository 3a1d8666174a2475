package io.releasepilot.engine.audit;

/** A stored record that cannot even be read back: a value Release Pilot never writes was put in it. */
public final class DamagedRecordException extends AuditIntegrityException {

    private final long seq;
    private final String why;

    DamagedRecordException(long seq, String why) {
        super("audit verification failed at record " + seq + " (HASH): the record cannot be read: " + why
                + " (it was altered outside Release Pilot)");
        this.seq = seq;
        this.why = why;
    }

    public long seq() {
        return seq;
    }

    /** What is wrong with the record, for a verification report. */
    public String why() {
        return why;
    }
}
