package io.releasepilot.engine.image;

import io.releasepilot.engine.host.ProcessLauncher;
import io.releasepilot.engine.host.ProgressListener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * kaniko's executor, for agents that run as pods in a cluster: builds and pushes every
 * destination in one process and writes one digest. Credentials reach it through
 * {@code DOCKER_CONFIG} pointing at the private config directory.
 */
public final class KanikoBuilder implements ImageBuilder {

    /** Where the kaniko executor image puts the program. */
    public static final String DEFAULT_PROGRAM = "/kaniko/executor";

    private final List<String> candidates;

    public KanikoBuilder() {
        this(List.of(DEFAULT_PROGRAM, "executor"));
    }

    /** @param candidates program paths or names to look for, first found wins */
    public KanikoBuilder(List<String> candidates) {
        this.candidates = List.copyOf(candidates);
    }

    @Override
    public String name() {
        return "kaniko";
    }

    @Override
    public Availability probe(ProcessLauncher launcher) {
        String program = program(launcher);
        return program != null ? Availability.yes("found " + program)
                : Availability.no("the kaniko executor was not found (looked for " + String.join(", ", candidates) + ")");
    }

    private String program(ProcessLauncher launcher) {
        return candidates.stream().filter(launcher::isExecutable).findFirst().orElse(null);
    }

    @Override
    public BuildOutcome build(BuildJob job, ProcessLauncher launcher, ProgressListener listener)
            throws BuilderFailure, IOException, InterruptedException {
        String program = program(launcher);
        if (program == null) {
            throw new IOException(probe(launcher).detail());
        }
        String digestFile = job.scratch() + "/digest";
        List<String> command = new ArrayList<>(List.of(program, "--context", "dir://" + job.context(), "--dockerfile", job.dockerfile(),
                "--digest-file", digestFile));
        if (job.target() != null) {
            command.addAll(List.of("--target", job.target()));
        }
        job.buildArgs().forEach((k, v) -> command.addAll(List.of("--build-arg", k + "=" + v)));
        job.labels().forEach((k, v) -> command.addAll(List.of("--label", k + "=" + v)));
        for (ImageReference tag : job.tags()) {
            command.addAll(List.of("--destination", tag.toString()));
        }
        job.tags().stream().filter(ImageReference::loopbackRegistry).map(ImageReference::registry).distinct()
                .forEach(registry -> command.addAll(List.of("--insecure-registry", registry, "--skip-tls-verify-registry", registry)));
        if (!job.push()) {
            command.add("--no-push");
        }
        Map<String, String> environment = job.authDirectory() == null ? Map.of() : Map.of("DOCKER_CONFIG", job.authDirectory());
        try {
            BuilderProcesses.run(launcher, listener, name(), BuilderFailure.Stage.BUILD, null, command, environment, job);
        } catch (BuilderFailure failure) {
            // kaniko builds and pushes in one process: a refusal by the registry is a push failure
            if (job.push() && failure.refusedAuthentication()) {
                throw new BuilderFailure(name(), BuilderFailure.Stage.PUSH, job.tags().get(0), failure.result());
            }
            throw failure;
        }
        Map<ImageReference, String> pushed = new LinkedHashMap<>();
        if (job.push()) {
            String digest = BuilderProcesses.readDigest(launcher, name(), digestFile);
            job.tags().forEach(tag -> pushed.put(tag, digest));
        }
        return new BuildOutcome(null, pushed);
    }
}
