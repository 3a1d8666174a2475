package io.releasepilot.engine.image;

import io.releasepilot.engine.host.ProcessLauncher;
import io.releasepilot.engine.host.ProgressListener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * buildah: builds without a daemon, so it works on plain agents and inside containers. Builds with
 * {@code --isolation chroot} (RUN steps then need no user namespaces or runtime), pushes each tag
 * with {@code --digestfile}.
 */
public final class BuildahBuilder implements ImageBuilder {

    /**
     * Where buildah keeps its images; null fields leave buildah's defaults (and its
     * {@code CONTAINERS_STORAGE_CONF} / {@code STORAGE_DRIVER} environment) in charge.
     */
    public record Storage(String root, String runRoot, String driver) {
    }

    private final String program;
    private final Storage storage;

    public BuildahBuilder() {
        this("buildah", null);
    }

    public BuildahBuilder(String program, Storage storage) {
        this.program = program;
        this.storage = storage;
    }

    @Override
    public String name() {
        return "buildah";
    }

    @Override
    public Availability probe(ProcessLauncher launcher) {
        return launcher.isExecutable(program) ? Availability.yes("found " + program)
                : Availability.no(program + (program.contains("/") ? " not found" : " not found on the PATH"));
    }

    @Override
    public BuildOutcome build(BuildJob job, ProcessLauncher launcher, ProgressListener listener)
            throws BuilderFailure, IOException, InterruptedException {
        String idFile = job.scratch() + "/image-id";
        List<String> bud = command("bud");
        bud.addAll(List.of("--isolation", "chroot", "--file", job.dockerfile(), "--iidfile", idFile));
        if (job.target() != null) {
            bud.addAll(List.of("--target", job.target()));
        }
        job.buildArgs().forEach((k, v) -> bud.addAll(List.of("--build-arg", k + "=" + v)));
        job.labels().forEach((k, v) -> bud.addAll(List.of("--label", k + "=" + v)));
        for (ImageReference tag : job.tags()) {
            bud.addAll(List.of("--tag", tag.toString()));
        }
        bud.add(job.context());
        BuilderProcesses.run(launcher, listener, name(), BuilderFailure.Stage.BUILD, null, bud, Map.of(), job);
        String imageId = BuilderProcesses.readFile(launcher, idFile);
        Map<ImageReference, String> pushed = new LinkedHashMap<>();
        if (job.push()) {
            int n = 0;
            for (ImageReference tag : job.tags()) {
                String digestFile = job.scratch() + "/digest-" + (n++);
                List<String> push = command("push");
                if (job.authFile() != null) {
                    push.addAll(List.of("--authfile", job.authFile()));
                }
                if (tag.loopbackRegistry()) {
                    push.add("--tls-verify=false");
                }
                push.addAll(List.of("--digestfile", digestFile, tag.toString(), "docker://" + tag));
                BuilderProcesses.run(launcher, listener, name(), BuilderFailure.Stage.PUSH, tag, push, Map.of(), job);
                pushed.put(tag, BuilderProcesses.readDigest(launcher, name(), digestFile));
            }
        }
        return new BuildOutcome(imageId, pushed);
    }

    private List<String> command(String verb) {
        List<String> command = new ArrayList<>(List.of(program));
        if (storage != null) {
            if (storage.root() != null) {
                command.addAll(List.of("--root", storage.root()));
            }
            if (storage.runRoot() != null) {
                command.addAll(List.of("--runroot", storage.runRoot()));
            }
            if (storage.driver() != null) {
                command.addAll(List.of("--storage-driver", storage.driver()));
            }
        }
        command.add(verb);
        return command;
    }
}
