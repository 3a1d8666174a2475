package io.releasepilot.engine.audit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Starts {@link AuditWriterProcess} as real child JVMs and collects what each acknowledged. */
final class ChildWriters {

    private static final Pattern ACK = Pattern.compile("ack (\\d+) ([0-9a-f]{64})");

    /** Every acknowledged record, by seq, with its hash, from every child so far. */
    final Map<Long, String> acknowledged = new ConcurrentHashMap<>();
    final List<String> errors = new ArrayList<>();

    /** One running writer. */
    final class Child {
        final Process process;
        final CountDownLatch firstAck = new CountDownLatch(1);
        final Thread reader;

        Child(Process process) {
            this.process = process;
            this.reader = new Thread(this::read, "child-reader");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    Matcher m = ACK.matcher(line);
                    if (m.matches()) {
                        String previous = acknowledged.put(Long.parseLong(m.group(1)), m.group(2));
                        if (previous != null && !previous.equals(m.group(2))) {
                            synchronized (errors) {
                                errors.add("seq " + m.group(1) + " acknowledged twice with different hashes: a fork");
                            }
                        }
                        firstAck.countDown();
                    }
                }
            } catch (IOException e) {
                // the child was killed; what was read is what it acknowledged
            }
        }

        void kill() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            reader.join(10_000);
        }

        int awaitExit() throws InterruptedException {
            process.waitFor(300, TimeUnit.SECONDS);
            reader.join(10_000);
            return process.exitValue();
        }
    }

    Child start(Path store, String service, long count) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto", "-Xmx96m",
                "-cp", System.getProperty("java.class.path"), AuditWriterProcess.class.getName(),
                store.toString(), service, Long.toString(count)));
        return new Child(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start());
    }
}
