package io.jenkins.plugins.releasepilot;

import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.model.Item;
import hudson.model.Run;
import hudson.util.ListBoxModel;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.ActScheduler;
import io.releasepilot.engine.act.HostBody;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.alert.AlertAccess;
import io.releasepilot.engine.alert.AlertSelector;
import io.releasepilot.engine.alert.AlertSource;
import io.releasepilot.engine.alert.AlertWatch;
import io.releasepilot.engine.alert.AlertmanagerAlerts;
import io.releasepilot.engine.alert.HttpAuth;
import io.releasepilot.engine.alert.OnError;
import io.releasepilot.engine.alert.PromQlCondition;
import io.releasepilot.engine.alert.PrometheusAlerts;
import io.releasepilot.engine.alert.Threshold;
import io.releasepilot.engine.alert.WatchOptions;
import io.releasepilot.engine.alert.WatchReport;
import io.releasepilot.engine.alert.WatchRequest;
import io.releasepilot.engine.alert.WatchSubject;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.kube.CanaryRollback;
import io.releasepilot.engine.kube.KubeRollbackTarget;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.jenkinsci.plugins.workflow.steps.BodyExecution;
import org.jenkinsci.plugins.workflow.steps.BodyExecutionCallback;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * {@code rollbackOnAlert namespace: 'prod', deployment: 'web', alerts: ['HighErrorRate'], window: '10m'}
 * watches Prometheus or Alertmanager (or a PromQL query against a threshold) and rolls the canary
 * back by itself when a selected alert fires, failing the build with the alert's name, labels and
 * since when it fired. {@link Guarded} ({@code rollbackOnAlert(...) { sh './load-test.sh' }}, which
 * {@link RollbackOnAlertVariable} sends to {@code rollbackOnAlertGuard}) guards a block: an alert during the body rolls back and stops the body; the body ending ends the watch.
 * The window and counts are recorded by the engine, so a controller restart continues the same watch.
 */
public class RollbackOnAlertStep extends KubernetesStep {

    private List<String> alerts = List.of();
    private List<String> matchers = List.of();
    private String prometheusUrl;
    private String alertmanagerUrl;
    private String promql;
    private String threshold;
    private String window;
    private String interval;
    private int failureLimit = WatchOptions.DEFAULT_FAILURE_LIMIT;
    private String onError;
    private String alertCredentialsId;
    private String alertCaCertificate;

    @DataBoundConstructor
    public RollbackOnAlertStep(String namespace, String deployment) {
        super(namespace, deployment);
    }

    public List<String> getAlerts() {
        return alerts;
    }

    /** Alert names that trigger a rollback; with none, any alert the matchers select. */
    @DataBoundSetter
    public void setAlerts(List<String> alerts) {
        this.alerts = alerts == null ? List.of() : List.copyOf(alerts);
    }

    public List<String> getMatchers() {
        return matchers;
    }

    /** Label matchers such as {@code service="web"} or {@code severity=~"critical|page"}. */
    @DataBoundSetter
    public void setMatchers(List<String> matchers) {
        this.matchers = matchers == null ? List.of() : List.copyOf(matchers);
    }

    public String getPrometheusUrl() {
        return prometheusUrl;
    }

    @DataBoundSetter
    public void setPrometheusUrl(String prometheusUrl) {
        this.prometheusUrl = Util.fixEmpty(prometheusUrl);
    }

    public String getAlertmanagerUrl() {
        return alertmanagerUrl;
    }

    @DataBoundSetter
    public void setAlertmanagerUrl(String alertmanagerUrl) {
        this.alertmanagerUrl = Util.fixEmpty(alertmanagerUrl);
    }

    public String getPromql() {
        return promql;
    }

    /** A PromQL query whose value is compared with {@link #setThreshold} (needs a Prometheus URL). */
    @DataBoundSetter
    public void setPromql(String promql) {
        this.promql = Util.fixEmpty(promql);
    }

    public String getThreshold() {
        return threshold;
    }

    /** e.g. {@code > 0.05}. */
    @DataBoundSetter
    public void setThreshold(String threshold) {
        this.threshold = Util.fixEmpty(threshold);
    }

    public String getWindow() {
        return window;
    }

    /** How long to watch (alone), or how long the guarded body may run; default 10m. */
    @DataBoundSetter
    public void setWindow(String window) {
        this.window = Util.fixEmpty(window);
    }

    public String getInterval() {
        return interval;
    }

    /** Time between observations; default 15s. */
    @DataBoundSetter
    public void setInterval(String interval) {
        this.interval = Util.fixEmpty(interval);
    }

    public int getFailureLimit() {
        return failureLimit;
    }

    /** Consecutive firing observations before rolling back; default 1. */
    @DataBoundSetter
    public void setFailureLimit(int failureLimit) {
        this.failureLimit = failureLimit;
    }

    public String getOnError() {
        return onError;
    }

    /** What an unreachable source means after 3 errors in a row: {@code fail} (default), {@code rollback} or {@code ignore}. */
    @DataBoundSetter
    public void setOnError(String onError) {
        this.onError = Util.fixEmpty(onError);
    }

    public String getAlertCredentialsId() {
        return alertCredentialsId;
    }

    /** Secret text (a bearer token) or username/password (basic auth) for the alert source. */
    @DataBoundSetter
    public void setAlertCredentialsId(String alertCredentialsId) {
        this.alertCredentialsId = Util.fixEmpty(alertCredentialsId);
    }

    public String getAlertCaCertificate() {
        return alertCaCertificate;
    }

    /** The alert source's CA certificate (PEM), when the controller's Java does not trust it. */
    @DataBoundSetter
    public void setAlertCaCertificate(String alertCaCertificate) {
        this.alertCaCertificate = Util.fixEmpty(alertCaCertificate);
    }

    @Override
    public StepExecution start(StepContext context) throws IOException, InterruptedException {
        return new Execution(new WatchSpec(this), context);
    }

    /**
     * The step's arguments as the execution keeps them (ids and URLs, never a secret), so a resume
     * after a restart gives the engine the same request again, as its contract asks.
     */
    static final class WatchSpec implements Serializable {
        private static final long serialVersionUID = 1L;
        final String namespace;
        final String deployment;
        final String service;
        final String environment;
        final KubernetesAccess access;
        final List<String> alerts;
        final List<String> matchers;
        final String prometheusUrl;
        final String alertmanagerUrl;
        final String promql;
        final String threshold;
        final String window;
        final String interval;
        final int failureLimit;
        final String onError;
        final String alertCredentialsId;
        final String alertCaCertificate;

        WatchSpec(RollbackOnAlertStep s) {
            ReleasePilotConfiguration defaults = ReleasePilotConfiguration.get();
            boolean named = s.prometheusUrl != null || s.alertmanagerUrl != null;
            namespace = s.getNamespace();
            deployment = s.getDeployment();
            service = s.getService();
            environment = s.getEnvironment();
            access = s.access();
            alerts = List.copyOf(s.alerts);
            matchers = List.copyOf(s.matchers);
            // A step naming no source watches the configured default ones, with their token.
            prometheusUrl = named ? s.prometheusUrl : defaults.getPrometheusUrl();
            alertmanagerUrl = named ? s.alertmanagerUrl : prometheusUrl == null ? defaults.getAlertmanagerUrl() : null;
            alertCredentialsId = named ? s.alertCredentialsId : s.alertCredentialsId != null ? s.alertCredentialsId : defaults.getAlertCredentialsId();
            promql = s.promql;
            threshold = s.threshold;
            window = s.window;
            interval = s.interval;
            failureLimit = s.failureLimit;
            onError = s.onError;
            alertCaCertificate = s.alertCaCertificate;
        }

        WatchOptions options() {
            return new WatchOptions(window == null ? WatchOptions.DEFAULT_WINDOW : Durations.parsePositive("window", window),
                    interval == null ? WatchOptions.DEFAULT_INTERVAL : Durations.parsePositive("interval", interval), failureLimit,
                    onError == null ? OnError.FAIL : OnError.parse("onError", onError), WatchOptions.DEFAULT_ERROR_LIMIT);
        }

        WatchSubject subject() {
            return new WatchSubject(service, environment, namespace, deployment);
        }

        /** The alert source, checked in full: exactly one kind, the threshold only with a query. */
        AlertSource source(Run<?, ?> run, Duration interval) throws IOException {
            int given = (prometheusUrl != null ? 1 : 0) + (alertmanagerUrl != null ? 1 : 0);
            String form = "exactly one source: prometheusUrl, alertmanagerUrl, or promql with threshold and prometheusUrl "
                    + "(or a default source in the Release Pilot configuration)";
            if (given != 1) {
                throw new InvalidInputException("prometheusUrl", given == 0 ? null : prometheusUrl + "' and '" + alertmanagerUrl, form);
            }
            if (threshold != null && promql == null) {
                throw new InvalidInputException("threshold", threshold, "no threshold without promql");
            }
            AlertSelector selector = AlertSelector.parse(alerts, matchers);
            Duration timeout = interval.compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10)
                    : interval.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : interval;
            AlertAccess access = access(run);
            if (promql != null) {
                if (prometheusUrl == null) {
                    throw new InvalidInputException("prometheusUrl", null, "the Prometheus base URL the promql query runs against");
                }
                if (threshold == null) {
                    throw new InvalidInputException("threshold", null, Threshold.ACCEPTED_FORM);
                }
                return PromQlCondition.of(prometheusUrl, promql, Threshold.parse("threshold", threshold), selector, timeout, access);
            }
            return prometheusUrl != null ? PrometheusAlerts.of(prometheusUrl, selector, timeout, access)
                    : AlertmanagerAlerts.of(alertmanagerUrl, selector, timeout, access);
        }

        private AlertAccess access(Run<?, ?> run) throws IOException {
            AlertAccess access = AlertAccess.none();
            if (alertCredentialsId != null) {
                StandardCredentials found = run == null
                        ? CredentialLookup.forSystem("alertCredentialsId", alertCredentialsId, CredentialKind.SECRET_TEXT, CredentialKind.USERNAME_PASSWORD)
                        : CredentialLookup.forBuildEither(run, "alertCredentialsId", alertCredentialsId, CredentialKind.SECRET_TEXT,
                                CredentialKind.USERNAME_PASSWORD);
                if (found instanceof StringCredentials token) {
                    access = AlertAccess.of(HttpAuth.bearer(token.getSecret().getPlainText().toCharArray()));
                } else {
                    StandardUsernamePasswordCredentials login = (StandardUsernamePasswordCredentials) found;
                    access = AlertAccess.of(HttpAuth.basic(login.getUsername(), login.getPassword().getPlainText().toCharArray()));
                }
            }
            if (alertCaCertificate != null) {
                access = access.withCaCertificates(alertCaCertificate.getBytes(StandardCharsets.US_ASCII));
            }
            return access;
        }
    }

    private static final class Execution extends ActStepExecution<WatchReport> {
        private static final long serialVersionUID = 1L;
        private final WatchSpec spec;
        /** The running body, kept so a stop after a restart still reaches it. */
        private BodyExecution body;
        private transient PipelineBody host;

        Execution(WatchSpec spec, StepContext context) throws IOException, InterruptedException {
            super(context, DescriptorImpl.NAME, spec.access);
            this.spec = spec;
        }

        @Override
        protected ActHandle<WatchReport> begin(Session session) throws Exception {
            return watch(session, false);
        }

        @Override
        protected ActHandle<WatchReport> reattach(Session session) throws Exception {
            return watch(session, true);
        }

        private ActHandle<WatchReport> watch(Session session, boolean resuming) throws Exception {
            WatchOptions options = spec.options();
            WatchSubject subject = spec.subject();
            spec.access.validate();
            AlertSource source = spec.source(session.run, options.interval());
            onEnd(source::close);
            CanaryRollback rollback = new CanaryRollback(session.kubernetes(), AuditTrail.get().store(), BuildOrigin.of(session.run),
                    session.progress(), ReleasePilotConfiguration.get().lifecycle(), ActScheduler.shared());
            WatchRequest request = new WatchRequest(source, options, subject,
                    new KubeRollbackTarget(rollback, subject.namespace(), subject.deployment(), session.id));
            // Listening to the controller's Alertmanager webhook: a push makes the watch observe at once.
            AlertWatch engine = new AlertWatch(AuditTrail.get().store(), BuildOrigin.of(session.run), session.progress())
                    .withWakeup(AlertmanagerWebhookAction.wakeup());
            if (!getContext().hasBody()) {
                return resuming ? engine.resume(request, session.id) : engine.start(request, session.id);
            }
            PipelineBody guarded = body();
            ActHandle<WatchReport> handle = resuming ? engine.resumeGuard(request, session.id, guarded) : engine.guard(request, session.id, guarded);
            if (!resuming) {
                // The body starts only once the engine accepted the watch: a rejected request never runs it.
                BodyExecution started = getContext().newBodyInvoker().withCallback(new BodyEnded(this)).start();
                synchronized (this) {
                    body = started;
                }
            }
            return handle;
        }

        private synchronized PipelineBody body() {
            if (host == null) {
                host = new PipelineBody(this);
            }
            return host;
        }

        synchronized BodyExecution bodyExecution() {
            return body;
        }

        /** The body ended: tell the engine's guard (re-made after a restart, so looked up each time). */
        void bodyEnded(Object result, Throwable failure) {
            PipelineBody current = body();
            if (failure == null) {
                current.done.complete(result);
            } else {
                current.done.completeExceptionally(failure);
            }
        }

        @Override
        protected Object returnValue(WatchReport report) {
            if (getContext().hasBody()) {
                return report.bodyResult();
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("observations", report.observations());
            out.put("sourceErrors", report.sourceErrors());
            out.put("watchedSeconds", report.watched().toSeconds());
            return out;
        }
    }

    /** The Pipeline block as the engine's guard sees it. */
    private static final class PipelineBody implements HostBody {
        private final Execution execution;
        final CompletableFuture<Object> done = new CompletableFuture<>();

        PipelineBody(Execution execution) {
            this.execution = execution;
        }

        @Override
        public String describe() {
            return "the rollbackOnAlert block";
        }

        @Override
        public CompletionStage<?> completion() {
            return done;
        }

        @Override
        public void stop(Throwable cause) {
            BodyExecution running = execution.bodyExecution();
            if (running != null) {
                running.cancel(StepFailures.forBuild(DescriptorImpl.NAME, cause));
            } else {
                done.completeExceptionally(cause);
            }
        }
    }

    /** Saved with the Pipeline: after a restart it reaches the re-attached execution. */
    private static final class BodyEnded extends BodyExecutionCallback {
        private static final long serialVersionUID = 1L;
        private final Execution execution;

        BodyEnded(Execution execution) {
            this.execution = execution;
        }

        @Override
        public void onSuccess(StepContext context, Object result) {
            execution.bodyEnded(result, null);
        }

        @Override
        public void onFailure(StepContext context, Throwable t) {
            execution.bodyEnded(null, t);
        }
    }

    @Extension
    @Symbol(DescriptorImpl.NAME)
    public static class DescriptorImpl extends KubernetesStepDescriptor {
        static final String NAME = "rollbackOnAlert";

        @Override
        public String getFunctionName() {
            return NAME;
        }

        @NonNull
        @Override
        public String getDisplayName() {
            return "Roll back by itself when alerts fire";
        }

        @POST
        public ListBoxModel doFillAlertCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String alertCredentialsId) {
            ListBoxModel items = CredentialItems.forItem(item, alertCredentialsId, CredentialKind.SECRET_TEXT);
            ListBoxModel logins = CredentialItems.forItem(item, alertCredentialsId, CredentialKind.USERNAME_PASSWORD);
            for (ListBoxModel.Option option : logins) {
                if (!option.value.isEmpty() && items.stream().noneMatch(o -> o.value.equals(option.value))) {
                    items.add(option);
                }
            }
            return items;
        }
    }

    /**
     * The block form, {@code rollbackOnAlertGuard(...) { sh './load-test.sh' }}: Pipeline has no
     * step whose block is optional, so guarding a block is a step of its own with the same
     * parameters; scripts reach it as {@code rollbackOnAlert(...) { ... }} through {@link RollbackOnAlertVariable}.
     */
    public static class Guarded extends RollbackOnAlertStep {

        @DataBoundConstructor
        public Guarded(String namespace, String deployment) {
            super(namespace, deployment);
        }

        @Extension
        @Symbol(GuardedDescriptor.NAME)
        public static class GuardedDescriptor extends DescriptorImpl {
            static final String NAME = "rollbackOnAlertGuard";

            @Override
            public String getFunctionName() {
                return NAME;
            }

            @Override
            public boolean takesImplicitBlockArgument() {
                return true;
            }

            @NonNull
            @Override
            public String getDisplayName() {
                return "Roll back by itself when alerts fire while the block runs";
            }
        }
    }
}
