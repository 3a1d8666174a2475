package io.jenkins.plugins.releasepilot;

import io.releasepilot.engine.host.ProgressListener;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;

/**
 * Where a process's output goes: cut into lines, every secret replaced by {@code ****}, each line
 * handed to the step's progress (the build console), the last lines kept for an error message.
 */
final class MaskingLineStream extends OutputStream {

    private static final int TAIL_LINES = 40;

    private final ProgressListener output;
    private final List<String> secrets;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private final Deque<String> tail = new ArrayDeque<>();

    MaskingLineStream(ProgressListener output, Collection<String> secrets) {
        this.output = output;
        // Longest first, so a secret that contains another is masked whole.
        this.secrets = secrets.stream().filter(s -> s != null && !s.isEmpty()).sorted((a, b) -> b.length() - a.length()).toList();
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            emit();
        } else {
            pending.write(b);
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        for (int i = off; i < off + len; i++) {
            write(b[i]);
        }
    }

    /** Sends a last line that had no newline. */
    @Override
    public synchronized void close() {
        if (pending.size() > 0) {
            emit();
        }
    }

    synchronized List<String> tail() {
        return new ArrayList<>(tail);
    }

    private void emit() {
        String line = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        if (line.endsWith("\r")) {
            line = line.substring(0, line.length() - 1);
        }
        String shown = mask(line);
        output.line(shown);
        tail.addLast(shown);
        if (tail.size() > TAIL_LINES) {
            tail.removeFirst();
        }
    }

    String mask(String line) {
        String out = line;
        for (String secret : secrets) {
            out = out.replace(secret, "****");
        }
        return out;
    }
}
