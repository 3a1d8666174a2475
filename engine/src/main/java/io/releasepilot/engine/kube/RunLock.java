package io.releasepilot.engine.kube;

import io.releasepilot.engine.act.LeaseConflictException;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.host.Origin;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The lease of the run changing a Deployment now, recorded in the {@code releasepilot.io/lock}
 * annotation of the stable Deployment and written with resourceVersion locking, so of two runs at
 * once exactly one holds it. It has a short time to live ({@link #TTL}) that its holder renews in
 * the background while the act runs, and is released when the act ends however it ends. A lease
 * lapses at its expiry (its holder stopped renewing: it died), or at once when its holder was a
 * process on this host that is gone (a killed CLI run); a resumed run that presents the same run
 * id takes it back.
 *
 * @param run     the id of the run holding it
 * @param actor   who runs it
 * @param origin  from where (build URL or CLI host)
 * @param host    the machine of the holding process
 * @param pid     the holding process
 * @param act     what it is doing (deployCanary, promote, rollback)
 * @param expires when it lapses unless renewed
 */
public record RunLock(String run, String actor, String origin, String host, long pid, String act, Instant expires) {

    public static final String ANNOTATION = CanaryState.PREFIX + "lock";
    /** How long a lease lives without renewal: a dead holder blocks others for at most this long. */
    public static final Duration TTL = Duration.ofSeconds(30);

    public RunLock {
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(expires, "expires");
    }

    /** A lease for this process, acting as run {@code runId} for {@code origin}, that lapses after {@code ttl}. */
    static RunLock mine(RunId runId, Origin origin, String act, Duration ttl) {
        return new RunLock(runId.value(), origin.actor(), origin.origin(), localHost(), ProcessHandle.current().pid(), act,
                Instant.now().plus(ttl));
    }

    /** The same lease, living {@code ttl} from now. */
    RunLock renewed(Duration ttl) {
        return new RunLock(run, actor, origin, host, pid, act, Instant.now().plus(ttl));
    }

    boolean sameRun(RunLock other) {
        return run.equals(other.run);
    }

    static String localHost() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** Whether {@code other} may take the Deployment while this lock is on it. */
    boolean yieldsTo(RunLock other) {
        if (run.equals(other.run)) {
            return true;
        }
        if (!Instant.now().isBefore(expires)) {
            return true;
        }
        return host.equals(other.host) && pid != other.pid && ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true);
    }

    String encode() {
        Map<String, String> parts = new LinkedHashMap<>();
        parts.put("run", run);
        parts.put("act", act);
        parts.put("actor", actor);
        parts.put("origin", origin);
        parts.put("host", host);
        parts.put("pid", Long.toString(pid));
        parts.put("expires", expires.toString());
        StringBuilder out = new StringBuilder();
        parts.forEach((k, v) -> out.append(out.isEmpty() ? "" : ";").append(k).append('=').append(v.replace(";", ",")));
        return out.toString();
    }

    static RunLock decode(String text) {
        Map<String, String> parts = new LinkedHashMap<>();
        for (String part : text.split(";")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                parts.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        try {
            return new RunLock(parts.getOrDefault("run", "?"), parts.getOrDefault("actor", "?"), parts.getOrDefault("origin", "?"),
                    parts.getOrDefault("host", "?"), Long.parseLong(parts.getOrDefault("pid", "-1")), parts.getOrDefault("act", "?"),
                    Instant.parse(parts.getOrDefault("expires", Instant.EPOCH.toString())));
        } catch (NumberFormatException | DateTimeParseException malformed) {
            // A hand-edited lock protects nothing we can interpret: treat it as lapsed.
            return new RunLock("?", "?", "?", "?", -1, "?", Instant.EPOCH);
        }
    }

    /** The error a run gets when this lease, another run's, is on the Deployment. */
    LeaseConflictException conflict(String namespace, String deployment) {
        return new LeaseConflictException("deployment " + namespace + "/" + deployment, run,
                String.format(java.util.Locale.ROOT, "%s by %s from %s, host %s, pid %d", act, actor, origin, host, pid), expires);
    }
}
