package io.releasepilot.engine.alert;

import io.releasepilot.engine.DeploymentFailedException;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.HostBody;
import io.releasepilot.engine.host.ProcessLauncher;
import io.releasepilot.engine.host.ProcessLauncher.ProcessRequest;
import io.releasepilot.engine.host.ProcessLauncher.ProcessResult;
import io.releasepilot.engine.host.ProgressListener;
import io.releasepilot.engine.input.Durations;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The CLI's guarded body ({@code rollback-on-alert ... -- COMMAND}): a command run on the host's
 * {@link ProcessLauncher}, completing with its exit code 0, or with a
 * {@link DeploymentFailedException} when it fails, times out or is stopped. Its own thread reads
 * the process's output, as any running process needs; the watch around it holds none.
 */
public final class ProcessBody implements HostBody {

    private final List<String> command;
    private final CompletableFuture<Integer> completion = new CompletableFuture<>();
    private final Thread thread;
    private volatile Throwable stopCause;

    private ProcessBody(List<String> command, ProcessLauncher launcher, Duration timeout, ProgressListener output) {
        this.command = List.copyOf(command);
        ProcessRequest request = ProcessRequest.of(command, timeout, output);
        this.thread = new Thread(() -> run(launcher, request, timeout), "release-pilot-guarded-command");
        this.thread.setDaemon(true);
    }

    /**
     * The body of {@code command}, not started yet; it may run at most {@code timeout} (the
     * watch's window). Guard it first, then {@link #start()} it.
     *
     * @param output where its output lines go
     */
    public static ProcessBody of(ProcessLauncher launcher, List<String> command, Duration timeout, ProgressListener output) {
        if (command == null || command.isEmpty() || command.get(0).isBlank()) {
            throw new InvalidInputException("command", command == null ? null : String.join(" ", command),
                    "a command to run while watching, e.g. -- ./smoke-test.sh");
        }
        return new ProcessBody(command, launcher, timeout, output);
    }

    /** Runs the command, unless the body was stopped already (the guard refused its request). */
    public synchronized ProcessBody start() {
        if (stopCause == null && !thread.isAlive() && !completion.isDone()) {
            thread.start();
        }
        return this;
    }

    private void run(ProcessLauncher launcher, ProcessRequest request, Duration timeout) {
        try {
            ProcessResult result = launcher.run(request);
            if (result.timedOut()) {
                completion.completeExceptionally(new DeploymentFailedException("`" + display() + "` did not finish within the window of "
                        + Durations.format(timeout) + " and was stopped; nothing was rolled back"));
            } else if (result.exitCode() != 0) {
                completion.completeExceptionally(new DeploymentFailedException("`" + display() + "` failed with exit code "
                        + result.exitCode() + " while no alert fired; nothing was rolled back. Last output:\n" + result.tailText()));
            } else {
                completion.complete(0);
            }
        } catch (InterruptedException e) {
            Throwable cause = stopCause;
            completion.completeExceptionally(new DeploymentFailedException("`" + display() + "` was stopped before it finished"
                    + (cause == null ? "" : ": " + cause.getMessage()), cause));
        } catch (IOException | RuntimeException e) {
            completion.completeExceptionally(new EnvironmentException("could not run `" + display() + "`: " + e.getMessage(), e));
        }
    }

    /** The command as a person typed it. */
    public String display() {
        return String.join(" ", command);
    }

    @Override
    public String describe() {
        return "`" + display() + "`";
    }

    @Override
    public CompletionStage<Integer> completion() {
        return completion;
    }

    /** Interrupts the launcher, which kills the process and its children; before {@link #start()}, it never runs. */
    @Override
    public synchronized void stop(Throwable cause) {
        if (completion.isDone()) {
            return;
        }
        stopCause = cause;
        if (thread.isAlive()) {
            thread.interrupt();
        } else {
            completion.completeExceptionally(new DeploymentFailedException(describe() + " was not run: " + cause.getMessage(), cause));
        }
    }
}
