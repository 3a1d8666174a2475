package io.releasepilot.engine.alert;

import io.releasepilot.engine.host.ProgressListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Keeps the console lines a watch writes, and lets a test react to one as it is written. */
final class RecordingProgress implements ProgressListener {

    final List<String> lines = new CopyOnWriteArrayList<>();
    private volatile Consumer<String> onLine;

    RecordingProgress() {
        this(line -> { });
    }

    RecordingProgress(Consumer<String> onLine) {
        this.onLine = onLine;
    }

    @Override
    public void line(String line) {
        lines.add(line);
        onLine.accept(line);
    }

    /** From now on, runs {@code reaction} on each line as it is written. */
    RecordingProgress withReaction(Consumer<String> reaction) {
        this.onLine = reaction;
        return this;
    }

    String text() {
        return String.join("\n", lines);
    }
}
