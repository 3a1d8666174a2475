package io.releasepilot.engine.alert;

import io.releasepilot.engine.act.ActHandle;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.host.ProcessLauncher;
import io.releasepilot.engine.host.ProgressListener;
import java.util.List;
import java.util.UUID;

/**
 * One watch as the tests drive it, the way the CLI does: a fresh run id, started or guarding a
 * command, awaited on the test's thread.
 */
final class TestWatch {

    final AlertWatch service;
    final WatchRequest request;
    final RunId run = new RunId("test://" + UUID.randomUUID());
    private final ProgressListener output;

    TestWatch(AlertWatch service, WatchRequest request, ProgressListener output) {
        this.service = service;
        this.request = request;
        this.output = output;
    }

    WatchReport watch() throws InterruptedException {
        return service.start(request, run).await();
    }

    WatchReport guard(ProcessLauncher launcher, List<String> command) throws InterruptedException {
        ProcessBody body = ProcessBody.of(launcher, command, request.options().window(), output);
        ActHandle<WatchReport> handle = service.guard(request, run, body);
        body.start();
        return handle.await();
    }
}
