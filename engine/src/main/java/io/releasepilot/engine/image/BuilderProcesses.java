package io.releasepilot.engine.image;

import io.releasepilot.engine.host.ProcessLauncher;
import io.releasepilot.engine.host.ProcessLauncher.ProcessRequest;
import io.releasepilot.engine.host.ProcessLauncher.ProcessResult;
import io.releasepilot.engine.host.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** How builders run their processes and read back what those wrote: shared by every builder. */
final class BuilderProcesses {

    static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");

    private BuilderProcesses() {
    }

    /** Runs one builder command, its output indented under the step's lines; throws when it fails. */
    static ProcessResult run(ProcessLauncher launcher, ProgressListener listener, String builder, BuilderFailure.Stage stage,
                             ImageReference tag, List<String> command, Map<String, String> environment,
                             ImageBuilder.BuildJob job) throws BuilderFailure, IOException, InterruptedException {
        ProcessRequest request = new ProcessRequest(command, null, environment, job.remaining(), line -> listener.line("  " + line), job.masked());
        ProcessResult result = launcher.run(request);
        if (!result.succeeded()) {
            throw new BuilderFailure(builder, stage, tag, result);
        }
        return result;
    }

    /** Reads a small file a builder wrote (image id, digest) on the host. */
    static String readFile(ProcessLauncher launcher, String path) throws IOException {
        try (InputStream in = launcher.read(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    /** Reads a digest file and checks it holds one digest. */
    static String readDigest(ProcessLauncher launcher, String builder, String path) throws IOException {
        String text = readFile(launcher, path);
        if (!DIGEST.matcher(text).matches()) {
            throw new IOException(builder + " wrote no sha256 digest to " + path + " (found '" + text + "')");
        }
        return text;
    }
}
