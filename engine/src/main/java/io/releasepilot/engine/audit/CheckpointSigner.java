package io.releasepilot.engine.audit;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;

/**
 * Signs checkpoints with a key the host holds (a file on the CLI's machine, a Jenkins secret file
 * credential on a controller). A checkpoint is written every {@code interval} records and on demand.
 */
public final class CheckpointSigner {

    public static final int DEFAULT_INTERVAL = 1000;

    private final PrivateKey key;
    private final String keyId;
    private final int interval;

    public CheckpointSigner(PrivateKey key, int interval) {
        if (interval < 1) {
            throw new IllegalArgumentException("checkpoint interval must be at least 1, was " + interval);
        }
        this.key = key;
        this.keyId = CheckpointKeys.keyId(CheckpointKeys.publicOf(key));
        this.interval = interval;
    }

    public PublicKey publicKey() {
        return CheckpointKeys.publicOf(key);
    }

    public String keyId() {
        return keyId;
    }

    public int interval() {
        return interval;
    }

    Checkpoint sign(long seq, String hash, Instant time) {
        return new Checkpoint(seq, hash, time.truncatedTo(java.time.temporal.ChronoUnit.MILLIS), keyId,
                CheckpointKeys.sign(key, Checkpoint.signedBytes(seq, hash)));
    }
}
