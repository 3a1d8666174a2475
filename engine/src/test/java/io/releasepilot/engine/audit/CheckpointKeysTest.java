package io.releasepilot.engine.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointKeysTest {

    @TempDir
    Path dir;

    @Test
    void keysWrittenAsPemReadBackAndThePrivateFileIsOwnerOnly() throws Exception {
        KeyPair pair = CheckpointKeys.generate();
        Path priv = dir.resolve("k.pem");
        Path pub = dir.resolve("k.pub.pem");

        CheckpointKeys.write(pair, priv, pub);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(priv))).isEqualTo("rw-------");
        PrivateKey readPrivate = CheckpointKeys.readPrivate("signing-key", priv);
        PublicKey readPublic = CheckpointKeys.readPublic("public-key", pub);
        assertThat(readPrivate.getEncoded()).isEqualTo(pair.getPrivate().getEncoded());
        assertThat(readPublic.getEncoded()).isEqualTo(pair.getPublic().getEncoded());
    }

    @Test
    void thePublicKeyIsDerivedFromThePrivateKeyAlone() {
        KeyPair pair = CheckpointKeys.generate();

        assertThat(CheckpointKeys.publicOf(pair.getPrivate()).getEncoded()).isEqualTo(pair.getPublic().getEncoded());
    }

    @Test
    void aKeyMadeByOpenSslSignsCheckpointsWeVerify() throws Exception {
        Path priv = dir.resolve("openssl.pem");
        Process p = new ProcessBuilder("openssl", "genpkey", "-algorithm", "ed25519", "-out", priv.toString())
                .redirectErrorStream(true).start();
        assertThat(p.waitFor()).as(new String(p.getInputStream().readAllBytes())).isZero();
        Path pub = dir.resolve("openssl.pub.pem");
        Process q = new ProcessBuilder("openssl", "pkey", "-in", priv.toString(), "-pubout", "-out", pub.toString())
                .redirectErrorStream(true).start();
        assertThat(q.waitFor()).isZero();

        CheckpointSigner signer = new CheckpointSigner(CheckpointKeys.readPrivate("signing-key", priv), 10);
        Checkpoint cp = signer.sign(7, "ab".repeat(32), java.time.Instant.now());

        assertThat(CheckpointKeys.verify(CheckpointKeys.readPublic("public-key", pub), Checkpoint.signedBytes(7, cp.hash()), cp.signature()))
                .isTrue();
    }

    @Test
    void anUnreadableKeyFileIsInvalidInputNamingTheParameterAndFile() {
        Path missing = dir.resolve("nope.pem");

        assertThatThrownBy(() -> CheckpointKeys.readPrivate("signing-key", missing))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("invalid signing-key")
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("PEM file with an Ed25519 PRIVATE KEY");
    }

    @Test
    void aFileThatIsNotAKeyIsInvalidInput() throws Exception {
        Path junk = dir.resolve("junk.pem");
        Files.writeString(junk, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n");

        assertThatThrownBy(() -> CheckpointKeys.readPublic("public-key", junk))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("invalid public-key");
    }
}
