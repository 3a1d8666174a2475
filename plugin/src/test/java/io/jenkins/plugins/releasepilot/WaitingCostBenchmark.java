package io.jenkins.plugins.releasepilot;

import hudson.Extension;
import hudson.model.TaskListener;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.kube.CanaryDeploy;
import io.releasepilot.engine.kube.CanaryRequest;
import io.releasepilot.engine.kube.ContainerImage;
import io.releasepilot.engine.kube.TrafficRouting;
import io.releasepilot.engine.release.Lifecycle;
import io.releasepilot.sandbox.cluster.PodBehaviour;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.jenkinsci.plugins.workflow.actions.TimingAction;
import org.jenkinsci.plugins.workflow.cps.nodes.StepAtomNode;
import org.jenkinsci.plugins.workflow.graph.FlowNode;
import org.jenkinsci.plugins.workflow.graphanalysis.DepthFirstScanner;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.jenkinsci.plugins.workflow.steps.SynchronousNonBlockingStepExecution;
import org.junit.ClassRule;
import org.junit.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.TestExtension;
import org.kohsuke.stapler.DataBoundConstructor;

/**
 * A benchmark, not a test (its name keeps it out of surefire's default run): what waiting costs
 * the controller. 100 deployCanary steps wait at once against the SIMULATED cluster with pods held
 * not ready; the controller's threads and heap are compared with the idle controller's and with
 * 100 steps of the SynchronousNonBlockingStepExecution design, which holds a thread per step. The
 * simulated API server runs in a JVM of its own ({@link ClusterProcess}), so its threads are not
 * counted as the controller's.
 * Then the time a deployCanary step takes against the same act called on the engine directly, as
 * the CLI does. Run:
 *
 * <pre>../shared/jenkins/mvn -B -ntp -Pjenkins -pl plugin -am verify -Dtest=WaitingCostBenchmark -Dsurefire.failIfNoSpecifiedTests=false</pre>
 *
 * The figures are printed to the test's output (target/surefire-reports/…-output.txt).
 */
public class WaitingCostBenchmark {

    private static final int STEPS = 100;
    private static final String V1 = KubernetesStepsTest.V1;
    private static final String V2 = KubernetesStepsTest.V2;

    @ClassRule
    public static JenkinsRule j = benchRule();

    /** A hundred builds on a shared two-core machine take longer than a test's default 180 s. */
    private static JenkinsRule benchRule() {
        JenkinsRule rule = new JenkinsRule();
        rule.timeout = 0;
        return rule;
    }

    /** The baseline design: a step whose execution blocks a thread until released. */
    public static final class BlockingWaitStep extends Step {
        static final CountDownLatch RELEASE = new CountDownLatch(1);

        @DataBoundConstructor
        public BlockingWaitStep() {
        }

        @Override
        public StepExecution start(StepContext context) {
            return new Execution(context);
        }

        private static final class Execution extends SynchronousNonBlockingStepExecution<Void> {
            private static final long serialVersionUID = 1L;

            Execution(StepContext context) {
                super(context);
            }

            @Override
            protected Void run() throws Exception {
                getContext().get(TaskListener.class).getLogger().println("blocking wait started");
                RELEASE.await();
                return null;
            }
        }

        @TestExtension
        public static final class DescriptorImpl extends StepDescriptor {
            @Override
            public Set<? extends Class<?>> getRequiredContext() {
                return Set.of(TaskListener.class);
            }

            @Override
            public String getFunctionName() {
                return "blockingWait";
            }
        }
    }

    private static long heapUsedMb() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) / (1024 * 1024);
    }

    /** The live threads by name with digits taken out, most first: what holds them. */
    private static void printThreadNames() {
        java.util.Map<String, Long> byName = Thread.getAllStackTraces().keySet().stream()
                .collect(java.util.stream.Collectors.groupingBy(t -> t.getName().replaceAll("[0-9]+", "#"), java.util.stream.Collectors.counting()));
        byName.entrySet().stream().sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
                .forEach(e -> System.out.printf(Locale.ROOT, "    %4d  %s%n", e.getValue(), e.getKey()));
        // Where the largest unnamed pool's threads wait, to say whose they are.
        Thread.getAllStackTraces().entrySet().stream().filter(e -> e.getKey().getName().startsWith("pool-")).findFirst()
                .ifPresent(e -> {
                    System.out.println("    one " + e.getKey().getName() + " waits in:");
                    for (StackTraceElement frame : e.getValue()) {
                        System.out.println("      at " + frame);
                    }
                });
    }

    private static int threads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    private static List<WorkflowRun> startAll(String prefix, java.util.function.IntFunction<String> script, String waitFor) throws Exception {
        List<WorkflowRun> runs = new ArrayList<>();
        for (int i = 0; i < STEPS; i++) {
            WorkflowJob job = Fixtures.sandboxedJob(j, prefix + i, script.apply(i));
            runs.add(job.scheduleBuild2(0).waitForStart());
        }
        for (WorkflowRun run : runs) {
            j.waitForMessage(waitFor, run);
        }
        return runs;
    }

    /** How long the step itself took, from its flow node's start to the start of the node after it (queueing not counted). */
    private static long stepMillis(WorkflowRun run, String function) {
        List<FlowNode> nodes = new DepthFirstScanner().allNodes(run.getExecution());
        FlowNode step = nodes.stream().filter(n -> n instanceof StepAtomNode atom && atom.getDescriptor() != null
                && function.equals(atom.getDescriptor().getFunctionName())).findFirst().orElseThrow();
        FlowNode next = nodes.stream().filter(n -> n.getParents().contains(step)).findFirst().orElseThrow();
        return TimingAction.getStartTime(next) - TimingAction.getStartTime(step);
    }

    @Test
    public void waitingCost() throws Exception {
        try (ClusterProcess cluster = ClusterProcess.start("bench")) {
            cluster.behave(V2, PodBehaviour.NEVER_READY);
            Fixtures.addSecretText("cluster-token", "simulated-cluster-token");
            String access = "serverUrl: '" + cluster.url() + "', tokenCredentialsId: 'cluster-token'";
            for (int i = 0; i < STEPS; i++) {
                cluster.createApp("svc" + i, V1, 1);
            }
            // Warm the code paths once, so class loading does not count as waiting cost.
            j.assertBuildStatusSuccess(Fixtures.sandboxedJob(j, "warm", "echo 'warm'").scheduleBuild2(0));
            Thread.sleep(2000);
            int idleThreads = threads();
            long idleHeap = heapUsedMb();

            List<WorkflowRun> canaries = startAll("canary", i -> "deployCanary namespace: 'bench', deployment: 'svc" + i + "', image: '" + V2
                    + "', weight: 50, timeout: '30m', " + access, "[deployCanary] bench/svc");
            // Cached pools (Jenkins's, the JDK HTTP client's, the plugin's start-up pool) keep an idle thread for 60 s:
            // what waiting holds is what is left after that.
            Thread.sleep(75_000);
            int canaryThreads = threads();
            printThreadNames();
            long canaryHeap = heapUsedMb();
            System.out.printf(Locale.ROOT, "bench plugin-waiting: %d canaries waiting: %d threads (idle %d), heap %d MB (idle %d MB)%n",
                    STEPS, canaryThreads, idleThreads, canaryHeap, idleHeap);
            for (WorkflowRun run : canaries) {
                run.doStop();
            }
            for (WorkflowRun run : canaries) {
                j.waitForCompletion(run);
            }

            Thread.sleep(2000);
            int beforeBlocking = threads();
            List<WorkflowRun> blocking = startAll("blocking", i -> "blockingWait()", "blocking wait started");
            int blockingThreads = threads();
            BlockingWaitStep.RELEASE.countDown();
            for (WorkflowRun run : blocking) {
                j.waitForCompletion(run);
            }

            // One act timed both ways against the same cluster: a step in a build, the engine called directly (the CLI's path).
            cluster.behave(V2, PodBehaviour.HEALTHY);
            cluster.createApp("timed-step", V1, 2);
            cluster.createApp("timed-engine", V1, 2);
            cluster.createApp("timed-cli", V1, 2);
            WorkflowJob timed = Fixtures.sandboxedJob(j, "timed", "deployCanary namespace: 'bench', deployment: 'timed-step', image: '" + V2
                    + "', weight: 50, timeout: '5m', " + access);
            double stepSeconds = stepMillis(j.assertBuildStatusSuccess(timed.scheduleBuild2(0)), "deployCanary") / 1000.0;
            AuditStore store = AuditTrail.get().store();
            // The CLI makes its client for each run: so does the baseline.
            long engineStart = System.nanoTime();
            try (KubernetesClient cli = new KubernetesClientBuilder().withHttpClientFactory(new JdkHttpClientFactory())
                    .withConfig(new ConfigBuilder(Config.empty()).withMasterUrl(cluster.url()).withOauthToken("simulated-cluster-token").build())
                    .build()) {
                new CanaryDeploy(cli, store, new Origin("bench", "cli://bench"), ProgressListener.SILENT, Lifecycle.DEFAULT)
                        .deploy(new CanaryRequest("bench", "timed-engine", ContainerImage.parse("image", V2), null, 50, TrafficRouting.replicas,
                                null, null, Duration.ofMinutes(5), false, null));
            }
            double engineSeconds = (System.nanoTime() - engineStart) / 1e9;
            Double cliSeconds = cliSeconds(cluster);

            int canaryExtra = canaryThreads - idleThreads;
            int blockingExtra = blockingThreads - beforeBlocking;
            long heapExtra = canaryHeap - idleHeap;
            System.out.println("bench plugin-waiting");
            System.out.printf(Locale.ROOT, "  %d deployCanary steps waiting: threads beyond the idle controller  %d   baseline (SynchronousNonBlocking) %d"
                    + "   target <= 10  %s%n", STEPS, canaryExtra, blockingExtra, canaryExtra <= 10 ? "met" : "NOT met");
            System.out.printf(Locale.ROOT, "  %d deployCanary steps waiting: heap beyond the idle controller     %d MB   target <= 100 MB  %s%n",
                    STEPS, heapExtra, heapExtra <= 100 ? "met" : "NOT met");
            System.out.printf(Locale.ROOT, "  deployCanary as a step vs the engine called directly (the CLI's path)  %.3f s   baseline %.3f s   ratio %.2fx"
                    + "   target <= 1.20x  %s%n", stepSeconds, engineSeconds, stepSeconds / engineSeconds,
                    stepSeconds / engineSeconds <= 1.2 ? "met" : "NOT met");
            if (cliSeconds == null) {
                System.out.println("  deployCanary as a step vs the release-pilot command: not measured (build cli/target/release-pilot.jar first)");
            } else {
                System.out.printf(Locale.ROOT, "  deployCanary as a step vs the release-pilot command (JVM start included)  %.3f s   baseline %.3f s"
                        + "   ratio %.2fx   target <= 1.20x  %s%n", stepSeconds, cliSeconds, stepSeconds / cliSeconds,
                        stepSeconds / cliSeconds <= 1.2 ? "met" : "NOT met");
            }
        }
    }

    /** The same act as the CLI does it: {@code java -jar release-pilot.jar deploy-canary}, timed from the process start to its end. */
    private static Double cliSeconds(ClusterProcess cluster) throws Exception {
        Path jar = Path.of("..", "cli", "target", "release-pilot.jar");
        if (!Files.isRegularFile(jar)) {
            return null;
        }
        Path dir = Files.createTempDirectory("bench-cli");
        Path kubeconfig = dir.resolve("kubeconfig");
        cluster.writeKubeconfig(kubeconfig);
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).encodeToString(key.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString(),
                "--audit-store", dir.resolve("store").toString(), "--signing-key", dir.resolve("key.pem").toString(),
                "--kubeconfig", kubeconfig.toString(), "deploy-canary", "--namespace", "bench", "--deployment", "timed-cli",
                "--image", V2, "--weight", "50", "--timeout", "5m");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("cli.log").toFile()).start();
        int exit = p.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (exit != 0) {
            throw new IllegalStateException("release-pilot deploy-canary exited " + exit + ": " + Files.readString(dir.resolve("cli.log")));
        }
        return seconds;
    }
}
