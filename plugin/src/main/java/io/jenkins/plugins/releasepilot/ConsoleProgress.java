package io.jenkins.plugins.releasepilot;

import hudson.model.TaskListener;
import io.releasepilot.engine.host.ProgressListener;
import java.io.PrintStream;

/** The engine's progress lines, one per meaningful act, in the build console. */
final class ConsoleProgress implements ProgressListener {

    private final PrintStream console;

    ConsoleProgress(TaskListener listener) {
        this.console = listener.getLogger();
    }

    @Override
    public void line(String line) {
        console.println(line);
    }
}
