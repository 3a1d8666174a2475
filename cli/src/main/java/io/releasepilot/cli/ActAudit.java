package io.releasepilot.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.releasepilot.engine.audit.AuditHead;
import io.releasepilot.engine.audit.AuditStore;
import java.io.PrintWriter;

/**
 * The audit store one act writes to. The act ends sealed: a checkpoint signed over the newest
 * record, and its head ({@code audit head: seq N sha256:…}) printed where the act's progress goes,
 * so the build log keeps a witness outside the store ({@code audit verify --expect-head}). An act
 * that fails is sealed too, when the store closes.
 */
final class ActAudit implements AutoCloseable {

    private final AuditStore store;
    private final PrintWriter progress;
    private final PrintWriter errors;
    private AuditHead head;

    ActAudit(AuditStore store, PrintWriter progress, PrintWriter errors) {
        this.store = store;
        this.progress = progress;
        this.errors = errors;
    }

    AuditStore store() {
        return store;
    }

    /** Seals a finished act: prints the head line in text output, or adds {@code auditHead} to the JSON result. */
    AuditHead finish(ObjectNode json) {
        head = store.seal();
        if (json != null) {
            ObjectNode o = json.putObject("auditHead");
            o.put("seq", head.seq());
            o.put("hash", "sha256:" + head.hash());
            if (head.signed()) {
                o.put("keyId", head.keyId());
            }
        } else {
            progress.println(line(head));
        }
        return head;
    }

    static String line(AuditHead head) {
        return "audit head: " + head.text() + (head.signed() ? "" : " (no signing key: not covered by a signature)");
    }

    @Override
    public void close() {
        try {
            if (head == null) {
                // The act failed or was rolled back: what it recorded is sealed all the same.
                try {
                    errors.println(line(store.seal()));
                } catch (RuntimeException e) {
                    errors.println("audit head: not sealed (" + e.getMessage() + ")");
                }
            }
        } finally {
            store.close();
        }
    }
}
