package io.jenkins.plugins.releasepilot;

import io.releasepilot.sandbox.cluster.PodBehaviour;
import io.releasepilot.sandbox.cluster.SimulatedCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The SIMULATED cluster in a JVM of its own, for measurements of the controller: the fabric8 mock
 * server holds threads per open watch, which must not be counted as the controller's. The parent
 * drives it over the child's standard input, one command a line ({@code app NAME IMAGE REPLICAS},
 * {@code behave IMAGE HEALTHY|NEVER_READY}, {@code kubeconfig FILE}); each is answered with
 * {@code ok}. The child ends when its input closes.
 */
final class ClusterProcess implements AutoCloseable {

    private final Process process;
    private final PrintWriter commands;
    private final BufferedReader answers;
    private final String url;

    private ClusterProcess(Process process) throws IOException {
        this.process = process;
        this.commands = new PrintWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8), true);
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String first = answers.readLine();
        if (first == null || !first.startsWith("ready ")) {
            process.destroyForcibly();
            throw new IOException("the simulated cluster process did not start: " + first);
        }
        this.url = first.substring("ready ".length());
    }

    /** Starts the simulated API for namespace {@code namespace} in a child JVM on this test's class path. */
    static ClusterProcess start(String namespace) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), ClusterProcess.class.getName(), namespace));
        return new ClusterProcess(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    }

    String url() {
        return url;
    }

    void createApp(String name, String image, int replicas) throws IOException {
        send("app " + name + " " + image + " " + replicas);
    }

    void behave(String image, PodBehaviour behaviour) throws IOException {
        send("behave " + image + " " + behaviour.name());
    }

    void writeKubeconfig(Path file) throws IOException {
        send("kubeconfig " + file.toAbsolutePath());
    }

    private void send(String line) throws IOException {
        commands.println(line);
        String answer = answers.readLine();
        if (!"ok".equals(answer)) {
            throw new IOException("the simulated cluster process answered " + answer + " to: " + line);
        }
    }

    @Override
    public void close() throws InterruptedException {
        commands.close();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    public static void main(String[] args) throws IOException {
        try (SimulatedCluster cluster = new SimulatedCluster(args[0])) {
            cluster.controller().readyAfter(Duration.ofMillis(500));
            PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
            out.println("ready " + cluster.url());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                String[] words = line.split(" ");
                switch (words[0]) {
                    case "app" -> cluster.createApp(words[1], words[2], Integer.parseInt(words[3]));
                    case "behave" -> cluster.controller().behave(words[1], PodBehaviour.valueOf(words[2]));
                    case "kubeconfig" -> cluster.writeKubeconfig(Path.of(words[1]), args[0]);
                    default -> {
                        out.println("unknown command " + words[0]);
                        continue;
                    }
                }
                out.println("ok");
            }
        }
    }
}
