package io.releasepilot.sandbox.cluster;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CRUD mock's dispatcher, counting the requests of the client under test and failing a share
 * of them on purpose: 409 conflicts on writes, 429 throttling, 500/503 server errors, refused
 * watches (the informer must re-establish them) and slow answers. Requests of the simulated
 * controller (its user agent) are neither counted nor failed. Requests pass through
 * {@link KubectlCompatibility}, which answers what the CRUD mock does not, so kubectl works too.
 */
public final class FaultInjectingDispatcher extends KubernetesCrudDispatcher {

    /** The user agent of the simulated controller's client. */
    public static final String CONTROLLER_AGENT = "release-pilot-simulated-controller";

    /** Where closed watches wind down (see {@link #closedOffTheEventLoop}). */
    private static final Executor CLOSER = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "simulated-api-watch-close");
        t.setDaemon(true);
        return t;
    });

    private final KubectlCompatibility kubectl = new KubectlCompatibility(new KubectlCompatibility.Store() {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
            return FaultInjectingDispatcher.super.dispatch(request);
        }

        @Override
        public MockResponse get(String path) {
            return handleGet(path);
        }
    });
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong injected = new AtomicLong();
    private final Random random;
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong conflicts = new AtomicLong();
    private final AtomicLong watchesDropped = new AtomicLong();
    private volatile Faults faults = Faults.NONE;
    private volatile long crashAfterWrites = Long.MAX_VALUE;

    public FaultInjectingDispatcher(long seed) {
        super(List.of(custom("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes"),
                custom("networking.istio.io", "v1beta1", "VirtualService", "virtualservices")));
        this.random = new Random(seed);
    }

    /**
     * What share (0-1) of the client's requests fail, and how.
     *
     * @param conflict    writes (PUT, PATCH) answered 409 Conflict
     * @param throttle    any request answered 429 Too Many Requests
     * @param serverError any request answered 500 or 503
     * @param watchDrop   watches refused with 500 (half) or closed 50-300 ms after they start (half),
     *                    so the informer must re-watch
     * @param slow        requests answered after {@code delay}
     */
    public record Faults(double conflict, double throttle, double serverError, double watchDrop, double slow, Duration delay) {
        public static final Faults NONE = new Faults(0, 0, 0, 0, 0, Duration.ZERO);
    }

    /** The custom resources the traffic routers use, so the mock serves them like built-in kinds. */
    private static CustomResourceDefinitionContext custom(String group, String version, String kind, String plural) {
        return new CustomResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind).withPlural(plural)
                .withScope("Namespaced").build();
    }

    public void faults(Faults value) {
        this.faults = value;
    }

    /**
     * Simulates the client's process dying after its {@code n}-th write (POST, PUT, PATCH, DELETE
     * that landed) from now: every later request of the client is refused (403, not retried)
     * until {@link #recover()}.
     */
    public void crashAfterWrites(long n) {
        writes.set(0);
        crashAfterWrites = n;
    }

    public void recover() {
        crashAfterWrites = Long.MAX_VALUE;
    }

    /** Writes of the client under test that landed since the last {@link #crashAfterWrites} (or since the start). */
    public long writes() {
        return writes.get();
    }

    /**
     * 409 Conflict answers the client under test got so far (a write that lost a race with the
     * controller, each costing one more read and write), injected or real.
     */
    public long conflicts() {
        return conflicts.get();
    }

    /** Watches of the client under test closed by the server while open, so far. */
    public long watchesDropped() {
        return watchesDropped.get();
    }

    /** Requests of the client under test so far. */
    public long requests() {
        return requests.get();
    }

    /** Requests failed on purpose so far. */
    public long injected() {
        return injected.get();
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        // Static answers, not the store's: neither counted nor failed.
        MockResponse discovered = kubectl.discovery(request);
        if (discovered != null) {
            return discovered;
        }
        String agent = request.getHeader("User-Agent");
        if (agent != null && agent.contains(CONTROLLER_AGENT)) {
            return closedOffTheEventLoop(store(request), -1);
        }
        requests.incrementAndGet();
        Faults f = faults;
        String method = request.getMethod();
        boolean mutates = "POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method) || "DELETE".equals(method);
        if (writes.get() >= crashAfterWrites) {
            return injected(403, "the client process crashed (simulated)");
        }

        boolean watch = request.getPath() != null && request.getPath().contains("watch=true");
        boolean write = "PUT".equals(method) || "PATCH".equals(method);
        double roll;
        synchronized (random) {
            roll = random.nextDouble();
        }
        if (watch && roll < f.watchDrop() / 2) {
            return injected(500, "watch refused (injected)");
        }
        if (watch && roll < f.watchDrop()) {
            long after;
            synchronized (random) {
                after = 50 + random.nextInt(250);
            }
            injected.incrementAndGet();
            return closedOffTheEventLoop(store(request), after);
        }
        if (!watch) {
            double edge = 0;
            if (write && roll < (edge += f.conflict())) {
                return injected(409, "the object has been modified (injected)");
            }
            if (roll < (edge += f.throttle())) {
                return injected(429, "too many requests (injected)");
            }
            if (roll < (edge += f.serverError())) {
                return injected(roll < edge - f.serverError() / 2 ? 500 : 503, "server error (injected)");
            }
            if (roll < edge + f.slow()) {
                return counted(store(request).setBodyDelay(f.delay()), mutates);
            }
        }
        return counted(closedOffTheEventLoop(store(request), -1), mutates);
    }

    /** The CRUD mock's answer, through what kubectl needs beyond it. */
    private MockResponse store(RecordedRequest request) {
        return kubectl.answer(request);
    }

    private MockResponse counted(MockResponse response, boolean mutates) {
        if (response.code() == 409) {
            conflicts.incrementAndGet();
        }
        if (mutates && response.code() < 300) {
            writes.incrementAndGet();
        }
        return response;
    }

    /**
     * A watch whose close runs on a thread of its own. The mock's watch listener, when its socket
     * closes, waits for its pending sends; a send waits for the event loop the close came in on,
     * so run there the two would stall that loop (and every connection on it) for 30 s.
     *
     * @param dropAfterMillis when not negative, the watch is closed that long after it opened, as a
     *                        load balancer or an API server restart would
     */
    private MockResponse closedOffTheEventLoop(MockResponse response, long dropAfterMillis) {
        WebSocketListener watch = response.getWebSocketListener();
        if (watch == null) {
            return response;
        }
        return response.withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onBeforeAccept(WebSocket ws, Response r) {
                watch.onBeforeAccept(ws, r);
            }

            @Override
            public void onOpen(WebSocket ws, Response r) {
                watch.onOpen(ws, r);
                if (dropAfterMillis >= 0) {
                    CompletableFuture.delayedExecutor(dropAfterMillis, TimeUnit.MILLISECONDS).execute(() -> {
                        if (ws.close(1001, "watch dropped (injected)")) {
                            watchesDropped.incrementAndGet();
                        }
                    });
                }
            }

            @Override
            public void onMessage(WebSocket ws, String text) {
                watch.onMessage(ws, text);
            }

            @Override
            public void onMessage(WebSocket ws, ByteString bytes) {
                watch.onMessage(ws, bytes);
            }

            @Override
            public void onMessage(WebSocket ws, byte[] bytes) {
                watch.onMessage(ws, bytes);
            }

            @Override
            public void onClosing(WebSocket ws, int code, String reason) {
                watch.onClosing(ws, code, reason);
            }

            @Override
            public void onClosed(WebSocket ws, int code, String reason) {
                CLOSER.execute(() -> watch.onClosed(ws, code, reason));
            }

            @Override
            public void onFailure(WebSocket ws, Throwable t, Response r) {
                CLOSER.execute(() -> watch.onFailure(ws, t, r));
            }
        });
    }

    private MockResponse injected(int code, String message) {
        injected.incrementAndGet();
        if (code == 409) {
            conflicts.incrementAndGet();
        }
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\"" + message
                        + "\",\"code\":" + code + "}");
    }
}
