package io.releasepilot.sandbox.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The CRUD mock's dispatcher, counting the requests of the client under test and failing a share
 * of them on purpose: 409 conflicts on writes, 429 throttling, 500/503 server errors, refused
 * watches (the informer must re-establish them) and slow answers. Requests of the simulated
 * controller (its user agent) are neither counted nor failed. It also answers what the CRUD mock
 * does not, so kubectl works against it: discovery ({@link ApiDiscovery}), strategic merge
 * patches ({@link StrategicMergePatch}), the scale subresource and tables ({@link ApiTables}).
 */
public final class FaultInjectingDispatcher extends KubernetesCrudDispatcher {

    /** The user agent of the simulated controller's client. */
    public static final String CONTROLLER_AGENT = "release-pilot-simulated-controller";

    private static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Top-level fields a patch never writes. */
    private static final Set<String> IMMUTABLE_FIELDS = Set.of("apiVersion", "kind");
    /** Metadata the server keeps; a patch's copy of them (kubectl sends none) is ignored. */
    private static final Set<String> SERVER_METADATA = Set.of("name", "namespace", "uid", "resourceVersion", "generation",
            "creationTimestamp", "deletionTimestamp", "selfLink", "managedFields");

    private static final Pattern SCALABLE =
            Pattern.compile("/apis/apps/v1/namespaces/[^/]+/(deployments|replicasets|statefulsets)/[^/]+/scale");

    private final ApiDiscovery discovery = new ApiDiscovery();
    private final ApiTables tables = new ApiTables(Clock.systemUTC());
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
        MockResponse discovered = discovery.answer(request.getMethod(), request.getPath());
        if (discovered != null) {
            return discovered;
        }
        String agent = request.getHeader("User-Agent");
        if (agent != null && agent.contains(CONTROLLER_AGENT)) {
            return store(request);
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
            return droppedLater(store(request));
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
        return counted(store(request), mutates);
    }

    /** The CRUD mock's answer; a strategic merge patch (which the mock refuses) is first turned into the JSON Patch of its result. */
    private MockResponse store(RecordedRequest request) {
        String path = request.getPath();
        String bare = path == null ? "" : path.replaceAll("\\?.*$", "");
        if (bare.endsWith("/scale") && SCALABLE.matcher(bare).matches()) {
            return scale(request, bare.substring(0, bare.length() - "/scale".length()));
        }
        String type = request.getHeader("Content-Type");
        if ("PATCH".equals(request.getMethod()) && type != null && type.startsWith(STRATEGIC_MERGE_PATCH)) {
            return strategicMerge(request);
        }
        if ("GET".equals(request.getMethod()) && ApiTables.wanted(request.getHeader("Accept")) && !path.contains("watch=true")) {
            return asTable(bare, super.dispatch(request));
        }
        return super.dispatch(request);
    }

    /** kubectl get's table of a list or object answer; any other answer as it is. */
    private MockResponse asTable(String bare, MockResponse answer) {
        String resource = resourceOf(bare);
        if (answer.code() != 200 || resource == null) {
            return answer;
        }
        try {
            return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json;as=Table;v=v1;g=meta.k8s.io")
                    .setBody(tables.table(resource, answer.getBody().getBytes()));
        } catch (IOException e) {
            return failure(500, "the stored answer is not JSON: " + e.getMessage());
        }
    }

    /** The resource (plural) a path names: {@code /apis/apps/v1/namespaces/int/deployments/web} is {@code deployments}. */
    private static String resourceOf(String bare) {
        String[] parts = bare.replaceAll("^/+", "").split("/");
        int rest = parts.length > 0 && parts[0].equals("api") ? 2 : 3;
        if (parts.length <= rest) {
            return null;
        }
        if (parts[rest].equals("namespaces") && parts.length > rest + 2) {
            return parts[rest + 2];
        }
        return parts[rest];
    }

    private MockResponse strategicMerge(RecordedRequest request) {
        String path = request.getPath();
        String bare = path.replaceAll("\\?.*$", "");
        boolean statusPath = bare.endsWith("/status");
        MockResponse current = handleGet(statusPath ? bare.substring(0, bare.length() - "/status".length()) : bare);
        if (current.code() != 200) {
            return current;
        }
        ObjectNode before;
        ObjectNode after;
        try {
            before = (ObjectNode) JSON.readTree(current.getBody().getBytes());
            JsonNode patch = JSON.readTree(request.getBody().getBytes());
            if (!patch.isObject()) {
                return failure(400, "a strategic merge patch is a JSON object");
            }
            after = StrategicMergePatch.apply(before, (ObjectNode) patch);
        } catch (IOException e) {
            return failure(400, "the strategic merge patch is not JSON: " + e.getMessage());
        }
        ArrayNode ops = JSON.createArrayNode();
        Set<String> fields = new LinkedHashSet<>();
        before.fieldNames().forEachRemaining(fields::add);
        after.fieldNames().forEachRemaining(fields::add);
        for (String field : fields) {
            if (field.equals("metadata")) {
                diffMetadata(before.path("metadata"), after.path("metadata"), ops);
            } else if (!IMMUTABLE_FIELDS.contains(field) && (statusPath == field.equals("status"))) {
                diff("/" + field, before.get(field), after.get(field), ops);
            }
        }
        if (ops.isEmpty()) {
            return current;
        }
        Headers headers = new Headers.Builder().setHeaders(request.getHeaders()).set("Content-Type", "application/json-patch+json").build();
        byte[] jsonPatch = ops.toString().getBytes(StandardCharsets.UTF_8);
        return super.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.PATCH, path, headers, new Buffer(jsonPatch)));
    }

    /**
     * The scale subresource ({@code kubectl scale}): the mock would answer with the whole object,
     * which kubectl cannot read as an {@code autoscaling/v1 Scale}. A write of the Scale becomes a
     * JSON Patch of the owner's {@code spec.replicas}.
     */
    private MockResponse scale(RecordedRequest request, String ownerPath) {
        String method = request.getMethod();
        MockResponse owner = handleGet(ownerPath);
        if (owner.code() != 200 || "GET".equals(method)) {
            return owner.code() != 200 ? owner : scaleOf(owner);
        }
        if (!"PUT".equals(method) && !"PATCH".equals(method)) {
            return failure(405, method + " is not served on the scale subresource");
        }
        JsonNode replicas;
        try {
            JsonNode body = JSON.readTree(request.getBody().getBytes());
            replicas = body.isArray() ? jsonPatchReplicas(body) : body.path("spec").path("replicas");
        } catch (IOException e) {
            return failure(400, "the Scale is not JSON: " + e.getMessage());
        }
        if (replicas == null || !replicas.canConvertToInt() || replicas.asInt() < 0) {
            return failure(422, "a Scale write needs spec.replicas, a whole number from 0");
        }
        ArrayNode ops = JSON.createArrayNode();
        ops.addObject().put("op", "add").put("path", "/spec/replicas").put("value", replicas.asInt());
        Headers headers = new Headers.Builder().setHeaders(request.getHeaders()).set("Content-Type", "application/json-patch+json").build();
        MockResponse written = super.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.PATCH, ownerPath, headers,
                new Buffer(ops.toString().getBytes(StandardCharsets.UTF_8))));
        return written.code() >= 300 ? written : scaleOf(written);
    }

    private static JsonNode jsonPatchReplicas(JsonNode ops) {
        for (JsonNode op : ops) {
            if ("/spec/replicas".equals(op.path("path").asText())) {
                return op.get("value");
            }
        }
        return null;
    }

    /** An {@code autoscaling/v1 Scale} of a Deployment, ReplicaSet or StatefulSet answer. */
    private static MockResponse scaleOf(MockResponse ownerAnswer) {
        JsonNode owner;
        try {
            owner = JSON.readTree(ownerAnswer.getBody().getBytes());
        } catch (IOException e) {
            return failure(500, "the stored object is not JSON: " + e.getMessage());
        }
        ObjectNode scale = JSON.createObjectNode();
        scale.put("kind", "Scale");
        scale.put("apiVersion", "autoscaling/v1");
        ObjectNode metadata = scale.putObject("metadata");
        for (String key : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            if (owner.path("metadata").has(key)) {
                metadata.set(key, owner.path("metadata").get(key));
            }
        }
        scale.putObject("spec").put("replicas", owner.path("spec").path("replicas").asInt(1));
        ObjectNode status = scale.putObject("status").put("replicas", owner.path("status").path("replicas").asInt(0));
        List<String> selector = new ArrayList<>();
        owner.path("spec").path("selector").path("matchLabels").fields().forEachRemaining(e -> selector.add(e.getKey() + "=" + e.getValue().asText()));
        status.put("selector", String.join(",", selector));
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(scale.toString());
    }

    /** Metadata key by key, so the patch carries no resourceVersion and cannot conflict with the controller's status writes. */
    private static void diffMetadata(JsonNode before, JsonNode after, ArrayNode ops) {
        Set<String> keys = new LinkedHashSet<>();
        before.fieldNames().forEachRemaining(keys::add);
        after.fieldNames().forEachRemaining(keys::add);
        for (String key : keys) {
            if (!SERVER_METADATA.contains(key)) {
                diff("/metadata/" + key, before.get(key), after.get(key), ops);
            }
        }
    }

    private static void diff(String pointer, JsonNode before, JsonNode after, ArrayNode ops) {
        if (after == null && before != null) {
            ops.addObject().put("op", "remove").put("path", pointer);
        } else if (after != null && !after.equals(before)) {
            ops.addObject().put("op", "add").put("path", pointer).set("value", after);
        }
    }

    private static MockResponse failure(int code, String message) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json")
                .setBody(JSON.createObjectNode().put("kind", "Status").put("apiVersion", "v1").put("status", "Failure")
                        .put("message", message).put("code", code).toString());
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

    /** Lets the watch start, then closes it 50-300 ms later, as a load balancer or an API server restart would. */
    private MockResponse droppedLater(MockResponse response) {
        WebSocketListener watch = response.getWebSocketListener();
        if (watch == null) {
            return response;
        }
        long after;
        synchronized (random) {
            after = 50 + random.nextInt(250);
        }
        injected.incrementAndGet();
        return response.withWebSocketUpgrade(new WebSocketListener() {
            @Override
            public void onBeforeAccept(WebSocket ws, Response r) {
                watch.onBeforeAccept(ws, r);
            }

            @Override
            public void onOpen(WebSocket ws, Response r) {
                watch.onOpen(ws, r);
                CompletableFuture.delayedExecutor(after, TimeUnit.MILLISECONDS).execute(() -> {
                    if (ws.close(1001, "watch dropped (injected)")) {
                        watchesDropped.incrementAndGet();
                    }
                });
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
                watch.onClosed(ws, code, reason);
            }

            @Override
            public void onFailure(WebSocket ws, Throwable t, Response r) {
                watch.onFailure(ws, t, r);
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
