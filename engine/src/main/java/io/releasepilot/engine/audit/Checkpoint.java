package io.releasepilot.engine.audit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A signed statement "record {@code seq} has hash {@code hash}". Someone who rewrites the whole
 * store can recompute every hash, but cannot sign new checkpoints without the host's private key.
 *
 * @param keyId     which key signed it (first 16 hex digits of the SHA-256 of the public key)
 * @param signature base64 Ed25519 signature over {@link #signedBytes(long, String)}
 */
public record Checkpoint(long seq, String hash, Instant time, String keyId, String signature) {

    /** The exact bytes a checkpoint signs. */
    public static byte[] signedBytes(long seq, String hash) {
        return ("release-pilot-checkpoint:v1:" + seq + ":" + hash).getBytes(StandardCharsets.US_ASCII);
    }
}
