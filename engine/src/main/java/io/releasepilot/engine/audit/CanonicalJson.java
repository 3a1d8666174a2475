package io.releasepilot.engine.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.SortedMap;

/**
 * The canonical JSON form of a record, which the chain hashes: keys sorted, no whitespace, UTF-8,
 * absent (null) fields left out, strings escaped as ECMAScript's {@code JSON.stringify} does
 * (RFC 8785 for the value types we use). Written by hand because it is on the hot path of
 * {@code verify} and because its exact bytes are a contract: docs/audit.md shows how to recompute
 * them with Python's {@code json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)}.
 */
public final class CanonicalJson {

    /** The time format: UTC, millisecond precision, always the same length. */
    public static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private CanonicalJson() {
    }

    /** The canonical JSON of the record without its {@code hash}: what the hash covers. */
    public static String hashedContent(AuditRecord r) {
        return write(r.seq(), r.time(), r.actor(), r.origin(), r.event(), r.prevHash(), null);
    }

    /** The canonical JSON of the record with its {@code hash}: one line of an export. */
    public static String withHash(AuditRecord r) {
        return write(r.seq(), r.time(), r.actor(), r.origin(), r.event(), r.prevHash(), r.hash());
    }

    static String write(long seq, Instant time, String actor, String origin, AuditEvent e,
                        String prevHash, String hash) {
        StringBuilder out = new StringBuilder(512);
        out.append('{');
        // Keys in sorted order: action, actor, details, environment, hash, image, namespace, origin,
        // outcome, prevHash, previousImage, reason, release, seq, service, target, time.
        Fields f = new Fields(out);
        f.string("action", e.action().name());
        f.string("actor", actor);
        if (!e.details().isEmpty()) {
            f.object("details", e.details());
        }
        f.string("environment", e.environment());
        f.string("hash", hash);
        f.string("image", e.image());
        f.string("namespace", e.namespace());
        f.string("origin", origin);
        f.string("outcome", e.outcome().name());
        f.string("prevHash", prevHash);
        f.string("previousImage", e.previousImage());
        f.string("reason", e.reason());
        f.string("release", e.release());
        f.number("seq", seq);
        f.string("service", e.service());
        f.string("target", e.target());
        f.string("time", TIME.format(time));
        out.append('}');
        return out.toString();
    }

    /** The canonical JSON of a flat map of strings, as stored in the {@code details} column. */
    public static String object(SortedMap<String, String> map) {
        StringBuilder out = new StringBuilder();
        appendObject(out, map);
        return out.toString();
    }

    private static void appendObject(StringBuilder out, SortedMap<String, String> map) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, String> entry : map.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            appendString(out, entry.getKey());
            out.append(':');
            appendString(out, entry.getValue());
        }
        out.append('}');
    }

    static void appendString(StringBuilder out, String s) {
        out.append('"');
        int n = s.length();
        if (!needsEscaping(s, n)) {
            out.append(s).append('"');
            return;
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || isLoneSurrogate(s, i, c)) {
                        out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf])
                                .append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Most values (names, digests, URLs) need no escaping: append them whole. */
    private static boolean needsEscaping(String s, int n) {
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isLoneSurrogate(String s, int i, char c) {
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return false;
    }

    private static final class Fields {
        private final StringBuilder out;
        private boolean first = true;

        Fields(StringBuilder out) {
            this.out = out;
        }

        private void key(String name) {
            if (!first) {
                out.append(',');
            }
            first = false;
            out.append('"').append(name).append("\":");
        }

        void string(String name, String value) {
            if (value != null) {
                key(name);
                appendString(out, value);
            }
        }

        void number(String name, long value) {
            key(name);
            out.append(value);
        }

        void object(String name, SortedMap<String, String> value) {
            key(name);
            appendObject(out, value);
        }
    }
}
