package io.releasepilot.engine.audit;

import io.releasepilot.engine.host.Origin;
import java.io.PrintStream;

/**
 * A separate writer process for the crash and multi-process tests: appends records to a store and
 * prints {@code ack <seq> <hash>} after each append has returned, i.e. once it is acknowledged.
 * Arguments: store location, service name, number of records (0: until killed).
 */
public final class AuditWriterProcess {

    private AuditWriterProcess() {
    }

    public static void main(String[] args) {
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.OFF);
        String location = args[0];
        String service = args[1];
        long count = Long.parseLong(args[2]);
        PrintStream out = System.out;
        Origin origin = new Origin("writer-" + ProcessHandle.current().pid(), "cli://crash-test");
        try (AuditStore store = AuditStores.open(new AuditStores.Config(location))) {
            out.println("open");
            out.flush();
            for (long i = 0; count == 0 || i < count; i++) {
                try {
                    AuditRecord r = store.append(AuditEvent.builder(AuditAction.NOTE, service).environment("INT")
                            .reason("append " + i).detail("pid", ProcessHandle.current().pid()).build(), origin);
                    out.println("ack " + r.seq() + " " + r.hash());
                    out.flush();
                } catch (RuntimeException e) {
                    // not acknowledged: another writer process died holding the store; try again
                    out.println("err " + e.getMessage().replace('\n', ' '));
                    out.flush();
                }
            }
        }
    }
}
