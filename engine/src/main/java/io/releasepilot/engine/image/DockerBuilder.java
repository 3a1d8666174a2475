package io.releasepilot.engine.image;

import io.releasepilot.engine.host.ProcessLauncher;
import io.releasepilot.engine.host.ProcessLauncher.ProcessRequest;
import io.releasepilot.engine.host.ProcessLauncher.ProcessResult;
import io.releasepilot.engine.host.ProgressListener;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * docker: usable only where a Docker daemon answers (a client alone is not enough). Credentials
 * reach it as a private {@code --config} directory, never through {@code docker login}.
 */
public final class DockerBuilder implements ImageBuilder {

    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(15);
    private static final Pattern PUSHED_DIGEST = Pattern.compile("digest: (sha256:[a-f0-9]{64})");

    private final String program;

    public DockerBuilder() {
        this("docker");
    }

    public DockerBuilder(String program) {
        this.program = program;
    }

    @Override
    public String name() {
        return "docker";
    }

    @Override
    public Availability probe(ProcessLauncher launcher) throws IOException, InterruptedException {
        if (!launcher.isExecutable(program)) {
            return Availability.no(program + (program.contains("/") ? " not found" : " not found on the PATH"));
        }
        List<String> lines = new ArrayList<>();
        ProcessResult result = launcher.run(new ProcessRequest(List.of(program, "version", "--format", "{{.Server.Version}}"), null,
                Map.of(), PROBE_TIMEOUT, lines::add, Set.of()));
        if (result.succeeded()) {
            return Availability.yes("found " + program + ", daemon " + String.join(" ", lines).strip());
        }
        String why = result.timedOut() ? "timed out after " + PROBE_TIMEOUT.toSeconds() + "s"
                : lines.stream().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("exit " + result.exitCode());
        return Availability.no("no Docker daemon answered (" + why + ")");
    }

    @Override
    public BuildOutcome build(BuildJob job, ProcessLauncher launcher, ProgressListener listener)
            throws BuilderFailure, IOException, InterruptedException {
        String idFile = job.scratch() + "/image-id";
        List<String> build = command("build", job);
        build.addAll(List.of("--file", job.dockerfile(), "--iidfile", idFile));
        if (job.target() != null) {
            build.addAll(List.of("--target", job.target()));
        }
        job.buildArgs().forEach((k, v) -> build.addAll(List.of("--build-arg", k + "=" + v)));
        job.labels().forEach((k, v) -> build.addAll(List.of("--label", k + "=" + v)));
        for (ImageReference tag : job.tags()) {
            build.addAll(List.of("--tag", tag.toString()));
        }
        build.add(job.context());
        BuilderProcesses.run(launcher, listener, name(), BuilderFailure.Stage.BUILD, null, build, Map.of(), job);
        String imageId = BuilderProcesses.readFile(launcher, idFile);
        Map<ImageReference, String> pushed = new LinkedHashMap<>();
        if (job.push()) {
            for (ImageReference tag : job.tags()) {
                AtomicReference<String> digest = new AtomicReference<>();
                ProgressListener scan = line -> {
                    Matcher m = PUSHED_DIGEST.matcher(line);
                    if (m.find()) {
                        digest.set(m.group(1));
                    }
                    listener.line(line);
                };
                List<String> push = command("push", job);
                push.add(tag.toString());
                BuilderProcesses.run(launcher, scan, name(), BuilderFailure.Stage.PUSH, tag, push, Map.of(), job);
                if (digest.get() == null) {
                    throw new IOException("docker push of " + tag + " reported no digest");
                }
                pushed.put(tag, digest.get());
            }
        }
        return new BuildOutcome(imageId, pushed);
    }

    /** With credentials, docker reads them from the private config directory instead of ~/.docker. */
    private List<String> command(String verb, BuildJob job) {
        List<String> command = new ArrayList<>(List.of(program));
        if (job.authDirectory() != null) {
            command.addAll(List.of("--config", job.authDirectory()));
        }
        command.add(verb);
        return command;
    }
}
