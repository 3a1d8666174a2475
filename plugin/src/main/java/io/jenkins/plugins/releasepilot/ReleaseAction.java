package io.jenkins.plugins.releasepilot;

import hudson.model.Computer;
import hudson.model.Run;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.ReleasePilotException;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditEvent;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.Outcome;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.kube.CanaryPromote;
import io.releasepilot.engine.kube.CanaryRollback;
import io.releasepilot.engine.kube.PromoteRequest;
import io.releasepilot.engine.kube.RollbackRequest;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import jenkins.model.Jenkins;
import jenkins.model.RunAction2;
import org.kohsuke.stapler.HttpResponse;
import org.kohsuke.stapler.HttpResponses;
import org.kohsuke.stapler.interceptor.RequirePOST;

/**
 * A build's "Release" page: the acts this build did, read back from the audit trail by its origin
 * (the build's URL), as a timeline, and the audit head it ended on, so anyone can check later that
 * the trail still holds that record with that hash. Promote and Roll back act on the Deployment
 * the build's canary ran on, as the user who pressed (each press is recorded first, then the act
 * records its own outcome), and need {@link ReleasePermissions#DEPLOY}.
 *
 * <p>What build.xml keeps is small: the origin and the seq range and head hash of the build's
 * records. The records themselves are always read from the trail.
 */
public class ReleaseAction implements RunAction2 {

    private static final Logger LOGGER = Logger.getLogger(ReleaseAction.class.getName());

    private final String origin;
    private long firstSeq;
    private long lastSeq;
    private String headHash;

    private transient Run<?, ?> run;
    /** What the last press is doing or how it ended; shown on the page until the controller restarts. */
    private transient volatile String pressStatus;

    ReleaseAction(String origin) {
        this.origin = origin;
    }

    /**
     * Adds this page to a build that recorded acts (or brings an existing page up to date): its
     * records are those with the build's URL as origin, appended since the build started.
     *
     * @return the build's page, or null when the build recorded nothing
     */
    static ReleaseAction attach(Run<?, ?> run) throws IOException {
        String origin = BuildOrigin.url(run);
        AuditStore store = AuditTrail.get().store();
        Instant started = Instant.ofEpochMilli(run.getStartTimeInMillis());
        List<AuditRecord> ours = store.list(new AuditFilter(null, null, null, started, AuditFilter.MAX_LIMIT)).stream()
                .filter(r -> origin.equals(r.origin())).toList();
        ReleaseAction action = run.getAction(ReleaseAction.class);
        if (ours.isEmpty() && action == null) {
            return null;
        }
        if (action == null) {
            action = new ReleaseAction(origin);
            run.addAction(action);
        }
        action.include(ours);
        run.save();
        return action;
    }

    /** Takes the build's records into the seq range and the head (newest first, as the store lists them). */
    private synchronized void include(List<AuditRecord> ours) {
        for (AuditRecord r : ours) {
            if (firstSeq == 0 || r.seq() < firstSeq) {
                firstSeq = r.seq();
            }
            if (r.seq() > lastSeq) {
                lastSeq = r.seq();
                headHash = r.hash();
            }
        }
        if (lastSeq > 0 && run != null) {
            BuildHeads.get().record(new BuildHeads.Head(run.getExternalizableId(), origin, lastSeq, headHash));
        }
    }

    @Override
    public void onAttached(Run<?, ?> r) {
        this.run = r;
    }

    @Override
    public void onLoad(Run<?, ?> r) {
        this.run = r;
    }

    public Run<?, ?> getRun() {
        return run;
    }

    @Override
    public String getIconFileName() {
        return "symbol-paper-plane-outline";
    }

    @Override
    public String getDisplayName() {
        return "Release";
    }

    @Override
    public String getUrlName() {
        return "release";
    }

    public String getOrigin() {
        return origin;
    }

    public long getHeadSeq() {
        return lastSeq;
    }

    public String getHeadHash() {
        return headHash;
    }

    public String getPressStatus() {
        return pressStatus;
    }

    /** This build's records, oldest first: the timeline. */
    public synchronized List<AuditRecord> getRecords() throws IOException {
        if (lastSeq == 0) {
            return List.of();
        }
        return AuditTrail.get().store().between(firstSeq - 1, lastSeq).stream().filter(r -> origin.equals(r.origin())).toList();
    }

    /** The facts of a record that are not columns of the timeline, as "key=value" texts. */
    public static List<String> details(AuditRecord record) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : record.event().details().entrySet()) {
            out.add(e.getKey() + "=" + e.getValue());
        }
        return out;
    }

    /** The service and environment a record files under, e.g. {@code api / INT}. */
    public static String subject(AuditRecord record) {
        AuditEvent e = record.event();
        return e.environment() == null ? e.service() : e.service() + " / " + e.environment();
    }

    /** Where a record's act took place, e.g. {@code shop-int / deployment/api}; empty when it names neither. */
    public static String where(AuditRecord record) {
        AuditEvent e = record.event();
        return Stream.of(e.namespace(), e.target()).filter(Objects::nonNull).collect(Collectors.joining(" / "));
    }

    /** What a record's act is called on the page. */
    public static String label(AuditRecord record) {
        return switch (record.event().action()) {
            case IMAGE_BUILT -> "Image built";
            case SNAPSHOT_CREATED -> "Database snapshot";
            case SNAPSHOT_PRUNED -> "Old snapshot pruned";
            case CANARY_STARTED -> "Canary started";
            case CANARY_ADVANCED -> "Canary advanced";
            case PROMOTED -> "Promoted";
            case ROLLED_BACK -> "Rolled back";
            case ALERT_FIRED -> "Alert fired";
            case TRAFFIC_ZEROED -> "Canary traffic cut to 0";
            case GATE_DENIED -> "Gate denied";
            case HOTFIX -> "Hotfix past the gate";
            case MANUAL_CHANGE -> "Manual change";
            case NOTE -> "Note";
        };
    }

    /** The Deployment the build's newest canary, promote or rollback acted on, or null: what the buttons act on. */
    public DeploymentRef getDeployment() throws IOException {
        List<AuditRecord> records = getRecords();
        for (int i = records.size() - 1; i >= 0; i--) {
            AuditEvent e = records.get(i).event();
            if (e.action().effect() != AuditAction.Effect.NONE && e.namespace() != null && e.target() != null
                    && e.target().startsWith(DeploymentRef.PREFIX)) {
                return new DeploymentRef(e.service(), e.environment(), e.namespace(), e.target().substring(DeploymentRef.PREFIX.length()));
            }
        }
        return null;
    }

    public boolean isDeployAllowed() {
        return run != null && run.hasPermission(ReleasePermissions.DEPLOY);
    }

    /** A Deployment a build acted on, as its records name it ({@code target: deployment/NAME}). */
    public record DeploymentRef(String service, String environment, String namespace, String name) {
        static final String PREFIX = "deployment/";
    }

    @RequirePOST
    public HttpResponse doPromote() throws IOException {
        return press(Press.PROMOTE);
    }

    @RequirePOST
    public HttpResponse doRollback() throws IOException {
        return press(Press.ROLLBACK);
    }

    private enum Press {
        PROMOTE("Promote"), ROLLBACK("Roll back");

        final String label;

        Press(String label) {
            this.label = label;
        }
    }

    /**
     * Permission first, then the press is recorded (who, on which build's page, on what), then
     * the act runs on a background thread: a promote waits for the rollout, which must not hold
     * the request. The page shows how it went.
     */
    private HttpResponse press(Press press) throws IOException {
        run.checkPermission(ReleasePermissions.DEPLOY);
        DeploymentRef target = getDeployment();
        if (target == null) {
            return HttpResponses.errorWithoutStack(409, "this build did not deploy to a Kubernetes Deployment: nothing to "
                    + press.label.toLowerCase(java.util.Locale.ROOT));
        }
        String user = Jenkins.getAuthentication2().getName();
        Origin by = new Origin(user, origin);
        AuditStore store = AuditTrail.get().store();
        long before = store.head().seq();
        store.append(new AuditEvent(AuditAction.NOTE, target.service(), target.environment(), target.namespace(),
                DeploymentRef.PREFIX + target.name(), null, null, null, Outcome.SUCCEEDED,
                press.label + " pressed by " + user + " on the Release page of " + run.getFullDisplayName(), Map.of("page", "release")),
                by);
        pressStatus = press.label + " of " + target.namespace() + "/" + target.name() + " requested by " + user + " …";
        Computer.threadPoolForRemoting.submit(() -> act(press, target, by, before));
        return HttpResponses.redirectToDot();
    }

    private static void pressOn(KubernetesClient client, Press press, DeploymentRef target, Origin by, AuditStore store,
                                ProgressListener progress) {
        if (press == Press.PROMOTE) {
            new CanaryPromote(client, store, by, progress, ReleasePilotConfiguration.get().lifecycle())
                    .promote(new PromoteRequest(target.namespace(), target.name(), null, false, null,
                            PromoteRequest.DEFAULT_TIMEOUT));
        } else {
            new CanaryRollback(client, store, by, progress).rollback(new RollbackRequest(target.namespace(), target.name(),
                    null, "Roll back pressed by " + by.actor() + " on the Release page", CanaryRollback.DEFAULT_TIMEOUT));
        }
    }

    private void act(Press press, DeploymentRef target, Origin by, long seqBefore) {
        ProgressListener progress = line -> {
            pressStatus = line;
            LOGGER.info(line);
        };
        try {
            AuditStore store = AuditTrail.get().store();
            EngineClassLoading.call(ignored -> {
                ClusterAccessAction recorded = run.getAction(ClusterAccessAction.class);
                if (recorded != null) {
                    // The cluster and credentials the build's own steps used.
                    try (SharedClients.Lease lease = recorded.access().connect(run, null, null)) {
                        pressOn(lease.client(), press, target, by, store, progress);
                    } catch (IOException e) {
                        // a credential that is gone or of another kind: its message names the id
                        throw new EnvironmentException("cannot reach the cluster the build used: " + e.getMessage(), e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new EnvironmentException("interrupted while connecting to the cluster the build used", e);
                    }
                } else {
                    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(Config.autoConfigure(null))
                            .withHttpClientFactory(new JdkHttpClientFactory()).build()) {
                        pressOn(client, press, target, by, store, progress);
                    }
                }
                return null;
            }, null);
            pressStatus = press.label + " of " + target.namespace() + "/" + target.name() + " by " + by.actor() + " done";
        } catch (ReleasePilotException e) {
            pressStatus = press.label + " of " + target.namespace() + "/" + target.name() + " failed: " + e.getMessage();
        } catch (RuntimeException | IOException e) {
            LOGGER.log(Level.WARNING, press.label + " of " + target.namespace() + "/" + target.name() + " failed", e);
            pressStatus = press.label + " of " + target.namespace() + "/" + target.name() + " failed: " + e;
        } finally {
            try {
                extendAfter(seqBefore);
            } catch (IOException | RuntimeException e) {
                LOGGER.log(Level.WARNING, "could not read back the records of " + origin, e);
            }
        }
    }

    /** Takes in the records with this build's origin appended after {@code seq} (a press's NOTE and its act). */
    private void extendAfter(long seq) throws IOException {
        AuditStore store = AuditTrail.get().store();
        List<AuditRecord> ours = new ArrayList<>();
        long from = seq;
        for (List<AuditRecord> page = store.after(from, 500); !page.isEmpty(); page = store.after(from, 500)) {
            page.stream().filter(r -> origin.equals(r.origin())).forEach(ours::add);
            from = page.get(page.size() - 1).seq();
        }
        include(ours);
        run.save();
    }
}
