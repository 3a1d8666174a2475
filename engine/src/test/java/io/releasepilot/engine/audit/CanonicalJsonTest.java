package io.releasepilot.engine.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class CanonicalJsonTest {

    private static final Instant TIME = Instant.parse("2026-11-22T01:02:03.456Z");

    @Test
    void keysAreSortedAbsentFieldsLeftOutAndThereIsNoWhitespace() {
        AuditEvent e = AuditEvent.builder(AuditAction.NOTE, "web").environment("int").reason("hello").detail("zeta", "1")
                .detail("alpha", "2").build();
        AuditRecord r = AuditChain.seal(3, TIME, "alice", "cli://box", e, AuditChain.GENESIS);

        assertThat(CanonicalJson.hashedContent(r)).isEqualTo(
                "{\"action\":\"NOTE\",\"actor\":\"alice\",\"details\":{\"alpha\":\"2\",\"zeta\":\"1\"},\"environment\":\"INT\","
                + "\"origin\":\"cli://box\",\"outcome\":\"SUCCEEDED\",\"prevHash\":\"" + AuditChain.GENESIS + "\","
                + "\"reason\":\"hello\",\"seq\":3,\"service\":\"web\",\"time\":\"2026-11-22T01:02:03.456Z\"}");
    }

    @Test
    void stringsAreEscapedAsJsonStringifyDoes() {
        StringBuilder out = new StringBuilder();

        CanonicalJson.appendString(out, "q\" b\\ n\n t\t c\u0001 del\u007f é ✓ 😀 \u2028");

        assertThat(out).hasToString("\"q\\\" b\\\\ n\\n t\\t c\\u0001 del\u007f é ✓ 😀 \u2028\"");
    }

    @Test
    void aLoneSurrogateIsEscapedSoTheBytesAreStillValidUtf8() {
        StringBuilder out = new StringBuilder();

        CanonicalJson.appendString(out, "a\uD800b");

        assertThat(out).hasToString("\"a\\ud800b\"");
    }

    @Test
    void theHashIsSha256OverThePreviousHashAndTheCanonicalContent() throws Exception {
        AuditRecord r = AuditChain.seal(1, TIME, "alice", "cli://box",
                AuditEvent.builder(AuditAction.NOTE, "web").reason("x").build(), AuditChain.GENESIS);
        byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                .digest((AuditChain.GENESIS + CanonicalJson.hashedContent(r)).getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThat(r.hash()).isEqualTo(java.util.HexFormat.of().formatHex(digest));
    }

    @Test
    void theExportLineIsTheHashedContentWithTheHashInItsSortedPlace() {
        AuditRecord r = AuditChain.seal(1, TIME, "alice", "cli://box",
                AuditEvent.builder(AuditAction.NOTE, "web").environment("INT").image("i").reason("x").build(), AuditChain.GENESIS);

        assertThat(CanonicalJson.withHash(r).replace("\"hash\":\"" + r.hash() + "\",", "")).isEqualTo(CanonicalJson.hashedContent(r));
    }
}
