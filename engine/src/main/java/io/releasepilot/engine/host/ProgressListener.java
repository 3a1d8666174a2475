package io.releasepilot.engine.host;

/**
 * Where the engine writes the lines a person reads while a step runs: the Jenkins build console,
 * or the terminal for the CLI. One line per meaningful act, naming the object it acted on, e.g.
 * {@code [deployCanary] prod/web: canary at 10% (1/10 pods ready)}.
 */
@FunctionalInterface
public interface ProgressListener {

    /** A listener that drops every line. */
    ProgressListener SILENT = line -> { };

    void line(String line);

    default void line(String format, Object... args) {
        line(String.format(java.util.Locale.ROOT, format, args));
    }
}
