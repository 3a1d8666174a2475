package io.releasepilot.engine.snapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * libpq's password file ({@code ~/.pgpass}, {@code PGPASSFILE}): lines of
 * {@code host:port:database:username:password}, {@code *} matching anything, {@code \} escaping
 * {@code :} and {@code \}. Read to find a password the libpq way; written for one pg_dump run.
 */
public final class PgPassFile {

    private PgPassFile() {
    }

    /** The password of the first line matching the connection, as libpq would choose it. */
    public static Optional<DatabasePassword> lookup(Path file, String host, int port, String database, String username) throws IOException {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> fields = split(line);
            if (fields.size() < 5) {
                continue;
            }
            if (matches(fields.get(0), host) && matches(fields.get(1), String.valueOf(port)) && matches(fields.get(2), database)
                    && matches(fields.get(3), username)) {
                return Optional.ofNullable(DatabasePassword.of(fields.get(4)));
            }
        }
        return Optional.empty();
    }

    /** One line that gives {@code password} to any connection: the file is made for one run and removed. */
    static byte[] anyConnection(DatabasePassword password) {
        return ("*:*:*:*:" + escape(password.reveal()) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static boolean matches(String field, String value) {
        return "*".equals(field) || field.equals(value);
    }

    private static String escape(String value) {
        return value.replace("\\", "\\\\").replace(":", "\\:");
    }

    private static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                current.append(line.charAt(++i));
            } else if (c == ':' && fields.size() < 4) {
                fields.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        fields.add(current.toString());
        return fields;
    }
}
