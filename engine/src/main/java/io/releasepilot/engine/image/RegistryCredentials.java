package io.releasepilot.engine.image;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Set;

/**
 * A user name and password for a registry. The password is held as characters, never printed
 * ({@link #toString} masks it) and leaves this object only as the values a launcher masks and as
 * the content of a private auth file.
 */
public final class RegistryCredentials {

    private final String username;
    private final char[] password;
    private final String origin;

    /**
     * @param origin where the credentials came from, for messages ("--registry-username", "ECR
     *               GetAuthorizationToken for eu-west-1", a Jenkins credentials id…)
     */
    public RegistryCredentials(String username, char[] password, String origin) {
        this.username = Objects.requireNonNull(username, "username");
        this.password = Objects.requireNonNull(password, "password").clone();
        this.origin = Objects.requireNonNull(origin, "origin");
    }

    public String username() {
        return username;
    }

    public String origin() {
        return origin;
    }

    /** {@code base64(user:password)}: the {@code auth} field of an auth file and a Basic header value. */
    String basicToken() {
        CharBuffer joined = CharBuffer.allocate(username.length() + 1 + password.length);
        joined.put(username).put(':').put(password).flip();
        ByteBuffer bytes = StandardCharsets.UTF_8.encode(joined);
        byte[] raw = new byte[bytes.remaining()];
        bytes.get(raw);
        try {
            return Base64.getEncoder().encodeToString(raw);
        } finally {
            Arrays.fill(raw, (byte) 0);
            if (bytes.hasArray()) {
                Arrays.fill(bytes.array(), (byte) 0);
            }
        }
    }

    /** The values that must never reach output: the password and its encoded forms. */
    Set<String> secrets() {
        return Set.of(new String(password), basicToken());
    }

    @Override
    public String toString() {
        return "RegistryCredentials[" + username + ", password ****, from " + origin + "]";
    }
}
