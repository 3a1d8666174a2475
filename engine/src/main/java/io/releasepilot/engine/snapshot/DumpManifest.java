package io.releasepilot.engine.snapshot;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.time.Instant;

/**
 * The file written beside each dump, {@code <dump>.release-pilot.json}: what the dump holds, its
 * sha256 and size, and the mark by which retention knows the dump is this tool's own for that
 * database. Written only after the dump verified, so a dump without one is not a finished snapshot.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record DumpManifest(String managedBy, String snapshotId, String file, String format, String host, int port,
                           String database, String username, String service, String environment, String release, String build,
                           String createdAt, String sha256, long sizeBytes, int tocEntries) {

    public static final String SUFFIX = ".release-pilot.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public Instant createdAtInstant() {
        return createdAt == null ? null : Instant.parse(createdAt);
    }

    /** Whether this manifest marks a dump this tool took of the database {@code request} names. */
    public boolean isOursFor(PostgresSnapshotRequest request) {
        return SnapshotLabels.MANAGED_BY_VALUE.equals(managedBy) && request.host().equalsIgnoreCase(host) && request.port() == port
                && request.database().equals(database);
    }

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a dump manifest", e);
        }
    }

    /** Reads a manifest; null when the bytes are not one (a file someone else put there). */
    public static DumpManifest parse(byte[] json) {
        try {
            return JSON.readValue(json, DumpManifest.class);
        } catch (IOException e) {
            return null;
        }
    }
}
