package io.releasepilot.sandbox.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * The SIMULATED API server's tables: what {@code kubectl get} asks for ({@code Accept: ...;as=Table})
 * so it can print a kind's usual columns (a Deployment's READY, UP-TO-DATE, AVAILABLE; a Pod's READY,
 * STATUS, RESTARTS) rather than only NAME and AGE. Rows are sorted by namespace and name, as a real
 * API server lists them.
 */
final class ApiTables {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One column: its header and how a stored object's cell is read. */
    private record Column(String name, String type, Function<JsonNode, Object> cell) {
    }

    private final Clock clock;

    ApiTables(Clock clock) {
        this.clock = clock;
    }

    /** Whether a request's Accept header asks for a table. */
    static boolean wanted(String accept) {
        return accept != null && accept.contains("as=Table");
    }

    /**
     * The table of a GET answer's body: a list of {@code resource} (its plural, e.g.
     * {@code deployments}) or one object of it.
     */
    String table(String resource, byte[] body) throws IOException {
        JsonNode answer = JSON.readTree(body);
        List<JsonNode> items = new ArrayList<>();
        if (answer.has("items")) {
            answer.path("items").forEach(items::add);
        } else {
            items.add(answer);
        }
        items.sort(Comparator.comparing((JsonNode o) -> o.path("metadata").path("namespace").asText())
                .thenComparing(o -> o.path("metadata").path("name").asText()));
        List<Column> columns = columns(resource);
        ObjectNode table = JSON.createObjectNode();
        table.put("kind", "Table");
        table.put("apiVersion", "meta.k8s.io/v1");
        table.putObject("metadata").put("resourceVersion", answer.path("metadata").path("resourceVersion").asText(""));
        ArrayNode definitions = table.putArray("columnDefinitions");
        for (Column c : columns) {
            definitions.addObject().put("name", c.name()).put("type", c.type()).put("format", c.name().equals("Name") ? "name" : "")
                    .put("description", "").put("priority", 0);
        }
        ArrayNode rows = table.putArray("rows");
        for (JsonNode item : items) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (Column c : columns) {
                cells.addPOJO(c.cell().apply(item));
            }
            ObjectNode object = row.putObject("object");
            object.put("kind", "PartialObjectMetadata");
            object.put("apiVersion", "meta.k8s.io/v1");
            object.set("metadata", item.path("metadata").deepCopy());
        }
        return table.toString();
    }

    private List<Column> columns(String resource) {
        Column name = new Column("Name", "string", o -> o.path("metadata").path("name").asText());
        Column age = new Column("Age", "string", this::age);
        return switch (resource) {
            case "deployments" -> List.of(name,
                    new Column("Ready", "string", o -> o.path("status").path("readyReplicas").asInt(0) + "/" + o.path("spec").path("replicas").asInt(1)),
                    new Column("Up-to-date", "integer", o -> o.path("status").path("updatedReplicas").asInt(0)),
                    new Column("Available", "integer", o -> o.path("status").path("availableReplicas").asInt(0)), age);
            case "replicasets" -> List.of(name,
                    new Column("Desired", "integer", o -> o.path("spec").path("replicas").asInt(1)),
                    new Column("Current", "integer", o -> o.path("status").path("replicas").asInt(0)),
                    new Column("Ready", "integer", o -> o.path("status").path("readyReplicas").asInt(0)), age);
            case "pods" -> List.of(name, new Column("Ready", "string", ApiTables::readyContainers),
                    new Column("Status", "string", ApiTables::podStatus), new Column("Restarts", "integer", ApiTables::restarts), age);
            case "services" -> List.of(name, new Column("Type", "string", o -> o.path("spec").path("type").asText("ClusterIP")),
                    new Column("Cluster-IP", "string", o -> o.path("spec").path("clusterIP").asText("<none>")),
                    new Column("Port(s)", "string", ApiTables::ports), age);
            case "namespaces" -> List.of(name, new Column("Status", "string", o -> o.path("status").path("phase").asText("Active")), age);
            default -> List.of(name, age);
        };
    }

    private static String readyContainers(JsonNode pod) {
        int total = pod.path("spec").path("containers").size();
        int ready = 0;
        for (JsonNode s : pod.path("status").path("containerStatuses")) {
            if (s.path("ready").asBoolean()) {
                ready++;
            }
        }
        return ready + "/" + total;
    }

    private static String podStatus(JsonNode pod) {
        for (JsonNode s : pod.path("status").path("containerStatuses")) {
            String waiting = s.path("state").path("waiting").path("reason").asText("");
            if (!waiting.isEmpty()) {
                return waiting;
            }
        }
        return pod.path("metadata").has("deletionTimestamp") ? "Terminating" : pod.path("status").path("phase").asText("Pending");
    }

    private static int restarts(JsonNode pod) {
        int restarts = 0;
        for (JsonNode s : pod.path("status").path("containerStatuses")) {
            restarts += s.path("restartCount").asInt(0);
        }
        return restarts;
    }

    private static String ports(JsonNode service) {
        List<String> ports = new ArrayList<>();
        service.path("spec").path("ports").forEach(p -> ports.add(p.path("port").asInt() + "/" + p.path("protocol").asText("TCP")));
        return ports.isEmpty() ? "<none>" : String.join(",", ports);
    }

    /** As kubectl shows ages: 45s, 3m12s, 42m, 5h7m, 3d. */
    private String age(JsonNode object) {
        String created = object.path("metadata").path("creationTimestamp").asText("");
        Instant since;
        try {
            since = Instant.parse(created);
        } catch (DateTimeParseException e) {
            return "<unknown>";
        }
        Duration d = Duration.between(since, clock.instant());
        long seconds = Math.max(0, d.toSeconds());
        if (seconds < 120) {
            return seconds + "s";
        }
        long minutes = seconds / 60;
        if (minutes < 10) {
            return seconds % 60 == 0 ? minutes + "m" : minutes + "m" + seconds % 60 + "s";
        }
        if (minutes < 180) {
            return minutes + "m";
        }
        long hours = minutes / 60;
        if (hours < 8) {
            return minutes % 60 == 0 ? hours + "h" : hours + "h" + minutes % 60 + "m";
        }
        return hours < 48 ? hours + "h" : hours / 24 + "d";
    }
}
