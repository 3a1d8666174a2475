package io.releasepilot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditHead;
import io.releasepilot.engine.audit.AuditIntegrityException;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.AuditVerifier;
import io.releasepilot.engine.audit.CanonicalJson;
import io.releasepilot.engine.audit.Checkpoint;
import io.releasepilot.engine.audit.CheckpointKeys;
import io.releasepilot.engine.audit.Verification;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.input.Names;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "audit", mixinStandardHelpOptions = true,
        description = "Record, list, verify and export the tamper-evident audit trail.",
        subcommands = {AuditCommand.Record.class, AuditCommand.ListRecords.class, AuditCommand.Verify.class,
            AuditCommand.Export.class, AuditCommand.Checkpoint.class})
final class AuditCommand {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Command(name = "record", mixinStandardHelpOptions = true,
            description = "Append a record for an act done outside Release Pilot (a manual change or a note).")
    static final class Record implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--action", required = true, paramLabel = "MANUAL_CHANGE|NOTE",
                description = "MANUAL_CHANGE (changed what runs) or NOTE.")
        String action;

        @Option(names = "--service", required = true, description = "Logical service name.")
        String service;

        @Option(names = "--environment", required = true, description = "Environment, e.g. INT, UAT, PROD.")
        String environment;

        @Option(names = "--reason", required = true, description = "Why: a sentence an auditor understands.")
        String reason;

        @Option(names = "--release", description = "Release name or version.")
        String release;

        @Option(names = "--image", description = "Image reference (a digest reference where you have one).")
        String image;

        @Override
        public Integer call() {
            CliContext ctx = new CliContext(spec);
            AuditEvent event = AuditEvent.builder(AuditAction.parse("action", action, AuditAction.MANUAL_CHANGE, AuditAction.NOTE), service)
                    .environment(Names.environment(environment))
                    .reason(Names.nonBlank("reason", reason, "a sentence saying why"))
                    .release(release)
                    .image(image)
                    .build();
            try (ActAudit audit = ctx.openAct(ctx.out())) {
                AuditRecord r = audit.store().append(event, ctx.origin());
                if (ctx.json()) {
                    ObjectNode o = toJson(r);
                    audit.finish(o);
                    ctx.out().println(o);
                } else {
                    ctx.out().printf("recorded %s for %s in %s as record %d (hash %s)%n", r.event().action(), r.event().service(),
                            r.event().environment(), r.seq(), r.hash());
                    audit.finish(null);
                }
            }
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List records, newest first.")
    static final class ListRecords implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--service", description = "Only this service.")
        String service;

        @Option(names = "--environment", description = "Only this environment.")
        String environment;

        @Option(names = "--action", description = "Only this action, e.g. PROMOTED.")
        String action;

        @Option(names = "--since", paramLabel = "TIME",
                description = "Only records at or after TIME: an ISO instant (2026-11-01T08:00:00Z), a date (2026-11-01) or an age (24h, 30m).")
        String since;

        @Option(names = "--limit", defaultValue = "50", description = "At most this many records (1-" + AuditFilter.MAX_LIMIT + "). Default: ${DEFAULT-VALUE}.")
        int limit;

        @Override
        public Integer call() {
            CliContext ctx = new CliContext(spec);
            AuditFilter filter = new AuditFilter(service, environment,
                    action == null ? null : AuditAction.parse("action", action), parseSince(since), limit);
            try (AuditStore store = ctx.openStore()) {
                List<AuditRecord> records = store.list(filter);
                if (ctx.json()) {
                    ArrayNode array = JSON.createArrayNode();
                    for (AuditRecord r : records) {
                        array.add(toJson(r));
                    }
                    ctx.out().println(array);
                } else if (records.isEmpty()) {
                    ctx.out().println("no records match (store " + store.location() + ")");
                } else {
                    ctx.out().printf("%-7s %-24s %-16s %-20s %-8s %-9s %s%n", "SEQ", "TIME", "ACTION", "SERVICE", "ENV", "OUTCOME", "IMAGE / REASON");
                    for (AuditRecord r : records) {
                        AuditEvent e = r.event();
                        String tail = e.image() != null ? e.image() : "";
                        if (e.reason() != null) {
                            tail = tail.isEmpty() ? e.reason() : tail + "  " + e.reason();
                        }
                        ctx.out().printf("%-7d %-24s %-16s %-20s %-8s %-9s %s%n", r.seq(), CanonicalJson.TIME.format(r.time()),
                                e.action(), e.service(), e.environment() == null ? "-" : e.environment(), e.outcome(), tail);
                    }
                }
            }
            return 0;
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Re-check every hash, link and signed checkpoint. Exit 4 names the first bad record.")
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--public-key", paramLabel = "FILE",
                description = {"Ed25519 public key (PEM) to check checkpoint signatures with: the auditor's copy, kept away from the store.",
                    "Pinned: the newest record must then be covered by a checkpoint it verifies. Its fingerprint is printed.",
                    "Default: the public half of the default signing key, if there is one (its fingerprint is printed too)."})
        Path publicKey;

        @Option(names = "--expect-head", paramLabel = "SEQ:HASH",
                description = {"A head an act printed earlier (audit head: seq N sha256:...), kept outside the store: a build log, a ticket.",
                    "Exit 4 when that record is gone or has another hash. Repeatable."})
        List<String> expectHeads = new ArrayList<>();

        @Override
        public Integer call() {
            CliContext ctx = new CliContext(spec);
            List<AuditHead> expected = expectHeads.stream().map(h -> AuditHead.parse("expect-head", h)).toList();
            Path keyFile = publicKey != null ? publicKey : Files.exists(CliContext.defaultPublicKey()) ? CliContext.defaultPublicKey() : null;
            PublicKey key = keyFile == null ? null : CheckpointKeys.readPublic("public-key", keyFile);
            boolean pinned = publicKey != null;
            if (key != null && !ctx.json()) {
                ctx.out().printf("checking signatures with %s %s: key id %s, fingerprint SHA256:%s%n", pinned ? "the pinned public key" : "the default public key",
                        keyFile, CheckpointKeys.keyId(key), CheckpointKeys.fingerprint(key));
            }
            try (AuditStore store = AuditStores.open(ctx.storeConfig(null))) {
                Verification v = AuditVerifier.verify(store, key, pinned, expected);
                if (ctx.json()) {
                    ObjectNode o = JSON.createObjectNode();
                    o.put("ok", v.ok());
                    o.put("records", v.records());
                    o.put("checkpoints", v.checkpoints());
                    o.put("signaturesVerified", v.signaturesVerified());
                    o.put("signedThrough", v.signedThrough());
                    o.put("headsChecked", expected.size());
                    if (key != null) {
                        o.put("keyId", CheckpointKeys.keyId(key));
                        o.put("fingerprint", "SHA256:" + CheckpointKeys.fingerprint(key));
                        o.put("pinned", pinned);
                    }
                    if (!v.ok()) {
                        o.put("seq", v.problem().seq());
                        o.put("problem", v.problem().kind().name());
                        o.put("message", v.problem().message());
                    }
                    ctx.out().println(o);
                }
                if (!v.ok()) {
                    throw new AuditIntegrityException("audit verification failed at record " + v.problem().seq() + " ("
                            + v.problem().kind() + "): " + v.problem().message());
                }
                if (!ctx.json()) {
                    printIntact(ctx, store, v, key, expected.size());
                }
            }
            return 0;
        }
    }

    private static void printIntact(CliContext ctx, AuditStore store, Verification v, PublicKey key, int headsChecked) {
        if (v.records() == 0) {
            ctx.out().printf("0 records: nothing to verify yet (store %s)%n", store.location());
            return;
        }
        ctx.out().printf("audit trail intact: %d records, %d checkpoints%s%s (store %s)%n", v.records(), v.checkpoints(),
                key == null ? ", signatures not checked (no public key)"
                        : ", " + v.signaturesVerified() + " signatures verified with key " + CheckpointKeys.keyId(key),
                headsChecked == 0 ? "" : ", " + headsChecked + " expected head(s) found", store.location());
        if (key == null) {
            ctx.out().println("warning: without a public key a store rewritten as a whole cannot be told from an intact one; "
                    + "give --public-key and --expect-head");
        } else if (!v.newestSigned()) {
            ctx.out().printf("warning: records %d to %d are covered by no signed checkpoint (a pinned --public-key makes this a failure)%n",
                    v.signedThrough() + 1, v.records());
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Write every record as one canonical JSON line with its hash, oldest first (see docs/audit.md to re-check by hand).")
    static final class Export implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--format", required = true, paramLabel = "jsonl", description = "Only jsonl.")
        String format;

        @Option(names = "--output-file", paramLabel = "FILE", description = "Write here instead of standard output.")
        Path outputFile;

        @Override
        public Integer call() throws IOException {
            CliContext ctx = new CliContext(spec);
            if (!"jsonl".equals(format)) {
                throw new InvalidInputException("format", format, "jsonl");
            }
            if (outputFile != null && outputFile.toAbsolutePath().getParent() != null
                    && !Files.isDirectory(outputFile.toAbsolutePath().getParent())) {
                throw new InvalidInputException("output-file", outputFile.toString(), "a file in an existing directory");
            }
            try (AuditStore store = ctx.openStore();
                 Writer w = outputFile == null ? ctx.out()
                         : new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(outputFile), StandardCharsets.UTF_8), 1 << 16)) {
                long count = export(store, w);
                w.flush();
                if (outputFile != null) {
                    ctx.err().printf("exported %d records to %s%n", count, outputFile);
                }
            }
            return 0;
        }
    }

    @Command(name = "checkpoint", mixinStandardHelpOptions = true,
            description = "Sign a checkpoint over the newest record now (they are also written every 1000 records).")
    static final class Checkpoint implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            CliContext ctx = new CliContext(spec);
            try (AuditStore store = ctx.openStore()) {
                io.releasepilot.engine.audit.Checkpoint cp = store.checkpoint();
                if (ctx.json()) {
                    ObjectNode o = JSON.createObjectNode();
                    o.put("seq", cp.seq());
                    o.put("hash", cp.hash());
                    o.put("time", CanonicalJson.TIME.format(cp.time()));
                    o.put("keyId", cp.keyId());
                    o.put("signature", cp.signature());
                    ctx.out().println(o);
                } else {
                    ctx.out().printf("checkpoint at record %d (hash %s) signed with key %s: %s%n", cp.seq(), cp.hash(), cp.keyId(),
                            cp.signature());
                }
            }
            return 0;
        }
    }

    /** Writes the whole trail as JSON lines; returns how many. */
    static long export(AuditStore store, Writer w) {
        long count = 0;
        long after = 0;
        try {
            while (true) {
                List<AuditRecord> page = store.after(after, 10_000);
                for (AuditRecord r : page) {
                    w.write(CanonicalJson.withHash(r));
                    w.write('\n');
                }
                count += page.size();
                if (page.size() < 10_000) {
                    return count;
                }
                after = page.get(page.size() - 1).seq();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode toJson(AuditRecord r) {
        try {
            return (ObjectNode) JSON.readTree(CanonicalJson.withHash(r));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Instant parseSince(String text) {
        if (text == null) {
            return null;
        }
        String form = "an ISO instant (2026-11-01T08:00:00Z), a date (2026-11-01) or an age such as 24h or 30m";
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException notInstant) {
            try {
                return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException notDate) {
                try {
                    return Instant.now().minus(Durations.parse("since", text));
                } catch (InvalidInputException notAge) {
                    throw new InvalidInputException("since", text, form);
                }
            }
        }
    }
}
