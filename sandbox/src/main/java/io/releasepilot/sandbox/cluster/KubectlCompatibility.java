package io.releasepilot.sandbox.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the SIMULATED API server answers beyond fabric8's CRUD mock, so the real kubectl works
 * against it: discovery ({@link ApiDiscovery}), strategic merge patches ({@link StrategicMergePatch}),
 * the scale subresource of Deployments, ReplicaSets and StatefulSets, and the tables
 * {@code kubectl get} prints ({@link ApiTables}). fabric8 clients send none of these, so the
 * engine's requests reach the mock as they are.
 */
final class KubectlCompatibility {

    /** The CRUD mock underneath. */
    interface Store {
        /** The mock's answer to a request. */
        MockResponse dispatch(RecordedRequest request);

        /** The mock's answer to a GET of {@code path}. */
        MockResponse get(String path);
    }

    private static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Top-level fields a patch never writes. */
    private static final Set<String> IMMUTABLE_FIELDS = Set.of("apiVersion", "kind");
    /** Metadata the server keeps; a patch's copy of them (kubectl sends none) is ignored. */
    private static final Set<String> SERVER_METADATA = Set.of("name", "namespace", "uid", "resourceVersion", "generation",
            "creationTimestamp", "deletionTimestamp", "selfLink", "managedFields");
    private static final Pattern SCALABLE =
            Pattern.compile("/apis/apps/v1/namespaces/[^/]+/(deployments|replicasets|statefulsets)/[^/]+/scale");

    private final Store store;
    private final ApiDiscovery discovery = new ApiDiscovery();
    private final ApiTables tables = new ApiTables(Clock.systemUTC());

    KubectlCompatibility(Store store) {
        this.store = store;
    }

    /** The answer to a discovery request (static, not the store's), or null when {@code request} is none. */
    MockResponse discovery(RecordedRequest request) {
        return discovery.answer(request.getMethod(), request.getPath());
    }

    /**
     * The answer to a request for the store: the scale subresource, a strategic merge patch (turned
     * into the JSON Patch of its result) and a table request handled here, anything else as the
     * CRUD mock answers it.
     */
    MockResponse answer(RecordedRequest request) {
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
            return asTable(bare, store.dispatch(request));
        }
        return store.dispatch(request);
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
        MockResponse current = store.get(statusPath ? bare.substring(0, bare.length() - "/status".length()) : bare);
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
        return store.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.PATCH, path, headers, new Buffer(jsonPatch)));
    }

    /**
     * The scale subresource ({@code kubectl scale}): the mock would answer with the whole object,
     * which kubectl cannot read as an {@code autoscaling/v1 Scale}. A write of the Scale becomes a
     * JSON Patch of the owner's {@code spec.replicas}.
     */
    private MockResponse scale(RecordedRequest request, String ownerPath) {
        String method = request.getMethod();
        MockResponse owner = store.get(ownerPath);
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
        MockResponse written = store.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.PATCH, ownerPath, headers,
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
}
