package io.releasepilot.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.alert.AlertAccess;
import io.releasepilot.engine.alert.AlertSelector;
import io.releasepilot.engine.alert.AlertSource;
import io.releasepilot.engine.alert.AlertWatch;
import io.releasepilot.engine.alert.AlertmanagerAlerts;
import io.releasepilot.engine.alert.CloudWatchAlarms;
import io.releasepilot.engine.alert.HttpAuth;
import io.releasepilot.engine.alert.OnError;
import io.releasepilot.engine.alert.PromQlCondition;
import io.releasepilot.engine.alert.ProcessBody;
import io.releasepilot.engine.alert.PrometheusAlerts;
import io.releasepilot.engine.alert.Threshold;
import io.releasepilot.engine.alert.WatchOptions;
import io.releasepilot.engine.alert.WatchReport;
import io.releasepilot.engine.alert.WatchRequest;
import io.releasepilot.engine.alert.WatchSubject;
import io.releasepilot.engine.host.LocalProcessLauncher;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import io.releasepilot.engine.kube.CanaryRollback;
import io.releasepilot.engine.kube.KubeRollbackTarget;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "rollback-on-alert", mixinStandardHelpOptions = true,
        description = {"Watch alerts for a canary and roll it back by itself when one fires: canary traffic goes to 0 at once, "
                + "then the rollback. With a COMMAND after --, run it while watching and stop it on a trigger.",
            "Exit 1 after a rollback, naming the alert and since when it fired; 2 for bad input (checked before anything is contacted)."})
final class RollbackOnAlertCommand implements Callable<Integer> {

    static final String ENV_ALERT_TOKEN = "RELEASE_PILOT_ALERT_TOKEN";

    /** No request to a source takes longer than this, however long the interval. */
    private static final Duration MAX_REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration MIN_REQUEST_TIMEOUT = Duration.ofSeconds(1);

    @Spec
    CommandSpec spec;

    @Mixin
    DeploymentOptions deploymentOptions;

    @Option(names = "--prometheus", paramLabel = "URL",
            description = "Prometheus base URL: its firing alerts (/api/v1/alerts) count; with --promql, where the query runs.")
    String prometheus;

    @Option(names = "--alertmanager", paramLabel = "URL",
            description = "Alertmanager base URL: its active alerts (/api/v2/alerts) count; silenced and inhibited ones do not.")
    String alertmanager;

    @Option(names = "--promql", paramLabel = "Q", description = "A PromQL query (instant vector or scalar), with --threshold and --prometheus.")
    String promql;

    @Option(names = "--threshold", paramLabel = "X",
            description = "When a --promql sample fires: a number meaning 'above it' (0.05), or >0.05, >=0.05, <0.99, <=0.99, ==0, !=1.")
    String threshold;

    @Option(names = "--cloudwatch-alarm", paramLabel = "NAME",
            description = "A CloudWatch alarm that fires in state ALARM (repeatable). Region and credentials: the AWS SDK's default chains.")
    List<String> cloudWatchAlarms = new ArrayList<>();

    @Option(names = "--alert", paramLabel = "NAME", description = "An alert name that counts (repeatable; any of them).")
    List<String> alerts = new ArrayList<>();

    @Option(names = "--matcher", paramLabel = "EXPR",
            description = "A label matcher every counted alert satisfies (repeatable), e.g. track=\"canary\", service=~\"web|api\", env!~\"dev.*\".")
    List<String> matchers = new ArrayList<>();

    @Option(names = "--window", paramLabel = "DUR",
            description = "How long to watch; with a COMMAND, the longest it may run. Default: 10m.")
    String window = "10m";

    @Option(names = "--interval", paramLabel = "DUR", description = "Time between observations. Default: 15s.")
    String interval = "15s";

    @Option(names = "--failure-limit", paramLabel = "N",
            description = "Observations in a row with a counted alert firing before rolling back (at least 1). Default: 1.")
    String failureLimit = "1";

    @Option(names = "--on-error", paramLabel = "fail|rollback|ignore",
            description = "After " + WatchOptions.DEFAULT_ERROR_LIMIT + " failed observations of the source in a row: fail (exit 3, canary left as it is), "
                    + "rollback, or ignore (watch on). Default: fail.")
    String onError = "fail";

    @Option(names = "--prometheus-token-file", paramLabel = "FILE",
            description = "A file holding the bearer token for --prometheus (its first line). Never printed.")
    Path prometheusTokenFile;

    @Option(names = "--alertmanager-token-file", paramLabel = "FILE",
            description = "A file holding the bearer token for --alertmanager (its first line). Never printed.")
    Path alertmanagerTokenFile;

    @Option(names = "--alert-token-file", paramLabel = "FILE",
            description = "A file holding the bearer token for whichever of --prometheus or --alertmanager is watched. "
                    + "Without any token or basic-auth file: the token in env " + ENV_ALERT_TOKEN + ", if set.")
    Path alertTokenFile;

    @Option(names = "--alert-basic-auth-file", paramLabel = "FILE",
            description = "A file holding user:password (one line) for HTTP basic auth to --prometheus or --alertmanager. Never printed.")
    Path alertBasicAuthFile;

    @Option(names = "--alert-ca-file", paramLabel = "FILE",
            description = "PEM CA certificate(s) to trust, instead of the JVM's, for an https --prometheus or --alertmanager.")
    Path alertCaFile;

    @Parameters(paramLabel = "COMMAND", arity = "0..*", description = "After --: a command to guard, e.g. -- ./smoke-test.sh.")
    List<String> command = new ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        CliContext ctx = new CliContext(spec);
        WatchSubject subject = new WatchSubject(null, null, deploymentOptions.namespace, deploymentOptions.deployment);
        WatchOptions options = new WatchOptions(Durations.parsePositive("window", window), Durations.parsePositive("interval", interval),
                parseFailureLimit(), OnError.parse("on-error", onError), WatchOptions.DEFAULT_ERROR_LIMIT);
        Supplier<AlertSource> source = source(options.interval(), access());
        if (!command.isEmpty() && command.get(0).isBlank()) {
            throw new InvalidInputException("command", String.join(" ", command), "a command to run while watching, e.g. -- ./smoke-test.sh");
        }
        Path kubeconfig = ((ReleasePilotCommand) spec.root().userObject()).kubeconfig;
        if (kubeconfig != null && !(Files.isRegularFile(kubeconfig) && Files.isReadable(kubeconfig))) {
            throw new InvalidInputException("kubeconfig", kubeconfig.toString(), "a readable kubeconfig file");
        }
        // with --output json, standard output carries only the JSON result
        ProgressListener progress = line -> (ctx.json() ? ctx.err() : ctx.out()).println(line);
        try (ActAudit audit = ctx.openAct(ctx.json() ? ctx.err() : ctx.out());
             KubernetesClient client = ctx.kubernetesClient();
             AlertSource alertSource = source.get()) {
            requireDeployment(client, subject.namespace(), subject.deployment());
            KubeRollbackTarget target = new KubeRollbackTarget(new CanaryRollback(client, audit.store(), ctx.origin(), progress),
                    subject.namespace(), subject.deployment(), ctx.runId());
            AlertWatch watch = new AlertWatch(audit.store(), ctx.origin(), progress);
            WatchRequest request = new WatchRequest(alertSource, options, subject, target);
            ActHandle<WatchReport> handle;
            if (command.isEmpty()) {
                handle = watch.start(request, ctx.runId());
            } else {
                ProcessBody body = ProcessBody.of(new LocalProcessLauncher(), command, options.window(), progress);
                handle = watch.guard(request, ctx.runId(), body);
                body.start();
            }
            print(ctx, audit, target.describe(), ctx.await(handle));
        }
        return 0;
    }

    /**
     * How the watched server is reached, from the auth flags (or env {@value #ENV_ALERT_TOKEN}).
     * The files are read now, as part of checking input; their content is never echoed.
     */
    private AlertAccess access() {
        boolean http = prometheus != null || alertmanager != null;
        if (prometheusTokenFile != null && prometheus == null) {
            throw new InvalidInputException("prometheus-token-file", prometheusTokenFile.toString(), "no --prometheus-token-file without --prometheus");
        }
        if (alertmanagerTokenFile != null && alertmanager == null) {
            throw new InvalidInputException("alertmanager-token-file", alertmanagerTokenFile.toString(),
                    "no --alertmanager-token-file without --alertmanager");
        }
        Path tokenFile = prometheusTokenFile != null ? prometheusTokenFile : alertmanagerTokenFile != null ? alertmanagerTokenFile : alertTokenFile;
        String tokenParameter = prometheusTokenFile != null ? "prometheus-token-file" : alertmanagerTokenFile != null ? "alertmanager-token-file"
                : "alert-token-file";
        long given = java.util.stream.Stream.of(prometheusTokenFile, alertmanagerTokenFile, alertTokenFile, alertBasicAuthFile)
                .filter(java.util.Objects::nonNull).count();
        if (given > 1) {
            throw new InvalidInputException(tokenParameter, tokenFile == null ? null : tokenFile.toString(),
                    "one of --prometheus-token-file, --alertmanager-token-file, --alert-token-file or --alert-basic-auth-file");
        }
        if (!http && (given > 0 || alertCaFile != null)) {
            throw new InvalidInputException(alertCaFile != null && given == 0 ? "alert-ca-file" : tokenFile != null ? tokenParameter
                    : "alert-basic-auth-file", null, "auth and CA flags only with --prometheus or --alertmanager (CloudWatch uses AWS credentials)");
        }
        HttpAuth auth = HttpAuth.none();
        if (tokenFile != null) {
            auth = HttpAuth.bearer(firstLine(tokenParameter, tokenFile));
        } else if (alertBasicAuthFile != null) {
            auth = HttpAuth.parseBasic(firstLine("alert-basic-auth-file", alertBasicAuthFile));
        } else if (http) {
            String env = System.getenv(ENV_ALERT_TOKEN);
            if (env != null && !env.isBlank()) {
                auth = HttpAuth.bearer(env.strip().toCharArray());
            }
        }
        AlertAccess access = AlertAccess.of(auth);
        if (alertCaFile != null) {
            access = access.withCaCertificates(readSecretFile("alert-ca-file", alertCaFile, "a readable PEM file of CA certificates"));
        }
        return access;
    }

    /** The file's first line (a trailing CR/LF dropped), as characters, without a String copy of the secret. */
    private static char[] firstLine(String parameter, Path file) {
        byte[] bytes = readSecretFile(parameter, file, "a readable file holding the secret on its first line");
        try {
            java.nio.CharBuffer chars = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
            int end = 0;
            while (end < chars.limit() && chars.get(end) != '\n' && chars.get(end) != '\r') {
                end++;
            }
            char[] line = new char[end];
            chars.get(line, 0, end);
            java.util.Arrays.fill(chars.array(), '\0');
            if (line.length == 0) {
                throw new InvalidInputException(parameter, file.toString(), "a file whose first line holds the secret (it is empty)");
            }
            return line;
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new InvalidInputException(parameter, file.toString(), "a UTF-8 text file");
        } finally {
            java.util.Arrays.fill(bytes, (byte) 0);
        }
    }

    private static byte[] readSecretFile(String parameter, Path file, String form) {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new InvalidInputException(parameter, file.toString(), form);
        }
        try {
            return Files.readAllBytes(file);
        } catch (java.io.IOException e) {
            throw new InvalidInputException(parameter, file.toString(), form + " (" + e.getMessage() + ")");
        }
    }

    /** Checks every source flag now; the source itself is made only after the store opened. */
    private Supplier<AlertSource> source(Duration interval, AlertAccess access) {
        Duration timeout = interval.compareTo(MAX_REQUEST_TIMEOUT) > 0 ? MAX_REQUEST_TIMEOUT
                : interval.compareTo(MIN_REQUEST_TIMEOUT) < 0 ? MIN_REQUEST_TIMEOUT : interval;
        int given = (promql != null ? 1 : prometheus != null ? 1 : 0) + (alertmanager != null ? 1 : 0) + (cloudWatchAlarms.isEmpty() ? 0 : 1);
        String form = "exactly one source: --prometheus URL, --alertmanager URL, --promql Q --threshold X (with --prometheus URL) "
                + "or --cloudwatch-alarm NAME";
        if (given != 1) {
            throw new InvalidInputException("source", given == 0 ? null : describeGiven(), form);
        }
        if (threshold != null && promql == null) {
            throw new InvalidInputException("threshold", threshold, "no --threshold without --promql");
        }
        AlertSelector selector = AlertSelector.parse(alerts, matchers);
        if (promql != null) {
            if (prometheus == null) {
                throw new InvalidInputException("prometheus", null, "the Prometheus base URL the --promql query runs against");
            }
            if (threshold == null) {
                throw new InvalidInputException("threshold", null, Threshold.ACCEPTED_FORM);
            }
            PromQlCondition condition = PromQlCondition.of(prometheus, promql, Threshold.parse("threshold", threshold), selector, timeout, access);
            return () -> condition;
        }
        if (prometheus != null) {
            PrometheusAlerts alertsSource = PrometheusAlerts.of(prometheus, selector, timeout, access);
            return () -> alertsSource;
        }
        if (alertmanager != null) {
            AlertmanagerAlerts alertsSource = AlertmanagerAlerts.of(alertmanager, selector, timeout, access);
            return () -> alertsSource;
        }
        if (!alerts.isEmpty() || !matchers.isEmpty()) {
            throw new InvalidInputException(alerts.isEmpty() ? "matcher" : "alert",
                    String.join(",", alerts.isEmpty() ? matchers : alerts), "nothing with --cloudwatch-alarm: name the alarms with it");
        }
        List<String> names = CloudWatchAlarms.validateNames(cloudWatchAlarms);
        return () -> CloudWatchAlarms.connect(names, timeout);
    }

    private String describeGiven() {
        List<String> given = new ArrayList<>();
        if (prometheus != null) {
            given.add("--prometheus");
        }
        if (promql != null) {
            given.add("--promql");
        }
        if (alertmanager != null) {
            given.add("--alertmanager");
        }
        if (!cloudWatchAlarms.isEmpty()) {
            given.add("--cloudwatch-alarm");
        }
        return String.join(" and ", given);
    }

    private int parseFailureLimit() {
        String form = "a whole number of at least 1 (consecutive firing observations before rolling back)";
        try {
            int n = Integer.parseInt(failureLimit.trim());
            if (n < 1) {
                throw new InvalidInputException("failure-limit", failureLimit, form);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidInputException("failure-limit", failureLimit, form);
        }
    }

    /** A watch over a Deployment that is not there would roll back nothing when the alert fires: refused before it starts. */
    private static void requireDeployment(KubernetesClient client, String namespace, String deployment) {
        boolean exists;
        try {
            exists = client.apps().deployments().inNamespace(namespace).withName(deployment).get() != null;
        } catch (KubernetesClientException e) {
            throw new EnvironmentException("cannot read deployment " + namespace + "/" + deployment + " at " + client.getMasterUrl()
                    + ": " + e.getMessage(), e);
        }
        if (!exists) {
            throw new InvalidInputException("deployment", deployment, "an existing Deployment in namespace " + namespace);
        }
    }

    private static void print(CliContext ctx, ActAudit audit, String target, WatchReport report) {
        if (ctx.json()) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("target", target);
            o.put("rolledBack", false);
            o.put("observations", report.observations());
            o.put("sourceErrors", report.sourceErrors());
            o.put("watchedSeconds", report.watched().toMillis() / 1000.0);
            if (report.bodyResult() instanceof Integer exitCode) {
                o.put("commandExitCode", exitCode);
            }
            audit.finish(o);
            ctx.out().println(o);
        } else {
            ctx.out().printf("no alert fired for %s: %d observation(s), %d failed%s%n", target, report.observations(), report.sourceErrors(),
                    report.bodyResult() instanceof Integer exitCode ? "; the command exited with " + exitCode : "");
            audit.finish(null);
        }
    }
}
