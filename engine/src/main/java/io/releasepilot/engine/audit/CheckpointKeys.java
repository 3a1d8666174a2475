package io.releasepilot.engine.audit;

import io.releasepilot.engine.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Ed25519 keys for checkpoints, as PEM files that OpenSSL reads and writes too
 * ({@code openssl genpkey -algorithm ed25519}).
 */
public final class CheckpointKeys {

    private static final String PRIVATE_FORM = "a readable PEM file with an Ed25519 PRIVATE KEY (PKCS#8), e.g. from 'openssl genpkey -algorithm ed25519'";
    private static final String PUBLIC_FORM = "a readable PEM file with an Ed25519 PUBLIC KEY (X.509), e.g. from 'openssl pkey -pubout'";

    private CheckpointKeys() {
    }

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is part of every Java 17 runtime", e);
        }
    }

    /** Writes a key pair as {@code private} (mode 0600) and {@code public} PEM files. */
    public static void write(KeyPair pair, Path privateFile, Path publicFile) throws IOException {
        Files.createDirectories(privateFile.toAbsolutePath().getParent());
        Path tmp = privateFile.resolveSibling(privateFile.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, pem("PRIVATE KEY", pair.getPrivate().getEncoded()), StandardOpenOption.TRUNCATE_EXISTING);
        Files.move(tmp, privateFile, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(publicFile, pem("PUBLIC KEY", pair.getPublic().getEncoded()));
    }

    /** Reads the private key a host signs checkpoints with; errors name the parameter. */
    public static PrivateKey readPrivate(String parameter, Path file) {
        byte[] der = readPem(parameter, file, "PRIVATE KEY", PRIVATE_FORM);
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new InvalidInputException(parameter, file.toString(), PRIVATE_FORM);
        }
    }

    public static PublicKey readPublic(String parameter, Path file) {
        byte[] der = readPem(parameter, file, "PUBLIC KEY", PUBLIC_FORM);
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new InvalidInputException(parameter, file.toString(), PUBLIC_FORM);
        }
    }

    /** The public half of an Ed25519 private key. */
    public static PublicKey publicOf(PrivateKey key) {
        // The JDK's PKCS#8 form of an Ed25519 key carries no public key. Its generator takes the
        // 32 private-key bytes from the random source, so handing it those bytes recomputes the pair.
        try {
            var edKey = (java.security.interfaces.EdECPrivateKey) key;
            byte[] seed = edKey.getBytes().orElseThrow();
            var generator = KeyPairGenerator.getInstance("Ed25519");
            generator.initialize(new java.security.spec.NamedParameterSpec("Ed25519"), new FixedSeed(seed));
            return generator.generateKeyPair().getPublic();
        } catch (GeneralSecurityException | ClassCastException | java.util.NoSuchElementException e) {
            throw new IllegalArgumentException("not an Ed25519 private key", e);
        }
    }

    public static String keyId(PublicKey key) {
        return fingerprint(key).substring(0, 16);
    }

    /**
     * The SHA-256 of the public key's X.509 DER, in hex: what a person compares with the auditor's
     * copy ({@code openssl pkey -pubin -in key.pub.pem -outform DER | sha256sum}).
     */
    public static String fingerprint(PublicKey key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sign(PrivateKey key, byte[] content) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(key);
            s.update(content);
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign a checkpoint: " + e.getMessage(), e);
        }
    }

    static boolean verify(PublicKey key, byte[] content, String signature) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(content);
            return s.verify(Base64.getDecoder().decode(signature));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] readPem(String parameter, Path file, String label, String form) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException(parameter, String.valueOf(file), form);
        }
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int from = text.indexOf(begin);
        int to = text.indexOf(end);
        if (from < 0 || to < from) {
            throw new InvalidInputException(parameter, file.toString(), form);
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(from + begin.length(), to));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(parameter, file.toString(), form);
        }
    }

    private static String pem(String label, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    /** Makes the key pair generator reproduce the key pair of a known seed. */
    private static final class FixedSeed extends java.security.SecureRandom {
        private final byte[] seed;

        FixedSeed(byte[] seed) {
            this.seed = seed.clone();
        }

        @Override
        public void nextBytes(byte[] bytes) {
            System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
        }
    }
}
