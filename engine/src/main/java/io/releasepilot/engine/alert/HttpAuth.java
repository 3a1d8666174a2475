package io.releasepilot.engine.alert;

import io.releasepilot.engine.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/**
 * How requests to Prometheus or Alertmanager authenticate: not at all, with a bearer token, or
 * with HTTP basic auth. The secret is held as a copy of the host's {@code char[]} and leaves this
 * object only as the value of an {@code Authorization} header; {@link #toString()} never shows it.
 */
public sealed interface HttpAuth {

    /** The value of the {@code Authorization} header, or empty for none. */
    Optional<String> authorizationHeader();

    /** For messages: {@code none}, {@code bearer token (hidden)}, {@code basic auth as 'alice' (password hidden)}. */
    String describe();

    static HttpAuth none() {
        return None.INSTANCE;
    }

    /** @param token copied; the caller may clear its array afterwards */
    static HttpAuth bearer(char[] token) {
        if (token == null || token.length == 0 || !printable(token)) {
            throw new InvalidInputException("alert-token", token == null ? null : "(" + token.length + " characters, hidden)",
                    "a non-empty token of printable characters without spaces");
        }
        return new Bearer(token.clone());
    }

    /** @param password copied; the caller may clear its array afterwards */
    static HttpAuth basic(String user, char[] password) {
        if (user == null || user.isEmpty() || user.contains(":") || !printable(user.toCharArray())) {
            throw new InvalidInputException("alert-basic-auth user", user, "a user name of printable characters without ':' or spaces");
        }
        if (password == null || password.length == 0) {
            throw new InvalidInputException("alert-basic-auth password", null, "a non-empty password");
        }
        return new Basic(user, password.clone());
    }

    /**
     * Reads {@code user:password} as a basic-auth file holds it (one line; a trailing newline is
     * ignored), the way {@code --alert-basic-auth-file} gives it.
     */
    static HttpAuth parseBasic(char[] userColonPassword) {
        int end = userColonPassword.length;
        while (end > 0 && (userColonPassword[end - 1] == '\n' || userColonPassword[end - 1] == '\r')) {
            end--;
        }
        int colon = -1;
        for (int i = 0; i < end; i++) {
            if (userColonPassword[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= 0 || colon == end - 1) {
            throw new InvalidInputException("alert-basic-auth-file", "(" + end + " characters, hidden)", "one line user:password");
        }
        return basic(new String(userColonPassword, 0, colon), Arrays.copyOfRange(userColonPassword, colon + 1, end));
    }

    private static boolean printable(char[] chars) {
        for (char c : chars) {
            if (c <= 0x20 || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    /** No Authorization header. */
    final class None implements HttpAuth {
        private static final None INSTANCE = new None();

        private None() {
        }

        @Override
        public Optional<String> authorizationHeader() {
            return Optional.empty();
        }

        @Override
        public String describe() {
            return "none";
        }

        @Override
        public String toString() {
            return "HttpAuth[none]";
        }
    }

    /** {@code Authorization: Bearer <token>}. */
    final class Bearer implements HttpAuth {
        private final char[] token;

        private Bearer(char[] token) {
            this.token = token;
        }

        @Override
        public Optional<String> authorizationHeader() {
            return Optional.of("Bearer " + new String(token));
        }

        @Override
        public String describe() {
            return "bearer token (hidden)";
        }

        @Override
        public String toString() {
            return "HttpAuth[bearer ****]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bearer b && Arrays.equals(token, b.token);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(token);
        }
    }

    /** {@code Authorization: Basic base64(user:password)}. */
    final class Basic implements HttpAuth {
        private final String user;
        private final char[] password;

        private Basic(String user, char[] password) {
            this.user = Objects.requireNonNull(user);
            this.password = password;
        }

        public String user() {
            return user;
        }

        @Override
        public Optional<String> authorizationHeader() {
            char[] pair = new char[user.length() + 1 + password.length];
            user.getChars(0, user.length(), pair, 0);
            pair[user.length()] = ':';
            System.arraycopy(password, 0, pair, user.length() + 1, password.length);
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(pair));
            byte[] raw = new byte[bytes.remaining()];
            bytes.get(raw);
            Arrays.fill(pair, '\0');
            String header = "Basic " + Base64.getEncoder().encodeToString(raw);
            Arrays.fill(raw, (byte) 0);
            return Optional.of(header);
        }

        @Override
        public String describe() {
            return "basic auth as '" + user + "' (password hidden)";
        }

        @Override
        public String toString() {
            return "HttpAuth[basic " + user + ":****]";
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Basic b && user.equals(b.user) && Arrays.equals(password, b.password);
        }

        @Override
        public int hashCode() {
            return user.hashCode() * 31 + Arrays.hashCode(password);
        }
    }
}
