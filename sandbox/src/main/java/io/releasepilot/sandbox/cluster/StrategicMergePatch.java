package io.releasepilot.sandbox.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The SIMULATION's strategic merge patch, the patch kind {@code kubectl apply}, {@code kubectl
 * set image} and {@code kubectl scale} send for built-in kinds (fabric8's CRUD mock answers it 415).
 * Objects merge key by key and {@code null} deletes a key, as in a JSON merge patch; the lists that
 * Kubernetes merges by a key (containers and env by {@code name}, container ports by
 * {@code containerPort}, Service ports by {@code port}, volume mounts by {@code mountPath}, ...)
 * merge element by element, other lists are replaced, {@code finalizers} are unioned. Directives:
 * {@code $patch: replace|delete} on maps and list elements, {@code $retainKeys},
 * {@code $deleteFromPrimitiveList/F}; {@code $setElementOrder/F} only orders a list, and is
 * dropped (new elements go last). Not modelled: the merge keys of kinds outside
 * {@link ApiDiscovery}'s table, which then replace their lists.
 */
final class StrategicMergePatch {

    private static final String PATCH = "$patch";
    private static final String RETAIN_KEYS = "$retainKeys";
    private static final String SET_ELEMENT_ORDER = "$setElementOrder/";
    private static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

    /** Lists merged by a key, by field name, as the Kubernetes API types declare them (patchMergeKey). */
    private static final Map<String, String> MERGE_KEYS = Map.ofEntries(
            Map.entry("containers", "name"), Map.entry("initContainers", "name"), Map.entry("ephemeralContainers", "name"),
            Map.entry("env", "name"), Map.entry("volumes", "name"), Map.entry("volumeMounts", "mountPath"),
            Map.entry("volumeDevices", "devicePath"), Map.entry("imagePullSecrets", "name"), Map.entry("hostAliases", "ip"),
            Map.entry("conditions", "type"), Map.entry("ownerReferences", "uid"), Map.entry("resourceClaims", "name"),
            Map.entry("topologySpreadConstraints", "topologyKey"));
    private static final Set<String> CONTAINER_LISTS = Set.of("containers", "initContainers", "ephemeralContainers");
    /** Lists of strings merged as sets. */
    private static final Set<String> PRIMITIVE_SETS = Set.of("finalizers");

    private StrategicMergePatch() {
    }

    /** The object {@code current} becomes under {@code patch}; neither argument is changed. */
    static ObjectNode apply(ObjectNode current, ObjectNode patch) {
        JsonNode merged = mergeObject(current.deepCopy(), patch, "");
        return merged instanceof ObjectNode o ? o : JsonNodeFactory.instance.objectNode();
    }

    /** @param listField the list this object is an element of ("" when none): container ports merge by containerPort */
    private static JsonNode mergeObject(ObjectNode target, ObjectNode patch, String listField) {
        JsonNode directive = patch.get(PATCH);
        if (directive != null && "delete".equals(directive.asText())) {
            return null;
        }
        if (directive != null && "replace".equals(directive.asText())) {
            return stripped(patch);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = e.getKey();
            JsonNode value = e.getValue();
            if (field.equals(PATCH) || field.equals(RETAIN_KEYS) || field.startsWith(SET_ELEMENT_ORDER)) {
                continue;
            }
            if (field.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
                deleteFromList(target, field.substring(DELETE_FROM_PRIMITIVE_LIST.length()), value);
                continue;
            }
            JsonNode existing = target.get(field);
            if (value.isNull()) {
                target.remove(field);
            } else if (value.isObject() && existing != null && existing.isObject()) {
                JsonNode merged = mergeObject((ObjectNode) existing, (ObjectNode) value, "");
                if (merged == null) {
                    target.remove(field);
                } else {
                    target.set(field, merged);
                }
            } else if (value.isArray() && existing != null && existing.isArray()) {
                target.set(field, mergeList(field, (ArrayNode) existing, (ArrayNode) value, listField));
            } else {
                target.set(field, stripped(value));
            }
        }
        JsonNode retain = patch.get(RETAIN_KEYS);
        if (retain != null && retain.isArray()) {
            Set<String> keep = new HashSet<>();
            retain.forEach(k -> keep.add(k.asText()));
            target.retain(keep);
        }
        return target;
    }

    private static ArrayNode mergeList(String field, ArrayNode target, ArrayNode patch, String parentListField) {
        for (JsonNode element : patch) {
            if (element.isObject() && "replace".equals(element.path(PATCH).asText())) {
                ArrayNode replaced = JsonNodeFactory.instance.arrayNode();
                patch.forEach(other -> {
                    if (other != element) {
                        replaced.add(stripped(other));
                    }
                });
                return replaced;
            }
        }
        if (PRIMITIVE_SETS.contains(field)) {
            ArrayNode union = target.deepCopy();
            patch.forEach(v -> {
                if (!contains(union, v)) {
                    union.add(v);
                }
            });
            return union;
        }
        String key = mergeKey(field, parentListField);
        if (key == null) {
            return (ArrayNode) stripped(patch);
        }
        ArrayNode result = target.deepCopy();
        for (JsonNode element : patch) {
            if (!element.isObject() || !element.has(key)) {
                result.add(stripped(element));
                continue;
            }
            int index = indexOf(result, key, element.get(key));
            if (index < 0) {
                if (!"delete".equals(element.path(PATCH).asText())) {
                    result.add(stripped(element));
                }
                continue;
            }
            JsonNode merged = mergeObject((ObjectNode) result.get(index), (ObjectNode) element, field);
            if (merged == null) {
                result.remove(index);
            } else {
                result.set(index, merged);
            }
        }
        return result;
    }

    private static String mergeKey(String field, String parentListField) {
        if (field.equals("ports")) {
            return CONTAINER_LISTS.contains(parentListField) ? "containerPort" : "port";
        }
        return MERGE_KEYS.get(field);
    }

    private static void deleteFromList(ObjectNode target, String field, JsonNode values) {
        JsonNode list = target.get(field);
        if (list == null || !list.isArray() || !values.isArray()) {
            return;
        }
        ArrayNode kept = JsonNodeFactory.instance.arrayNode();
        list.forEach(v -> {
            if (!contains((ArrayNode) values, v)) {
                kept.add(v);
            }
        });
        target.set(field, kept);
    }

    private static boolean contains(ArrayNode list, JsonNode value) {
        for (JsonNode v : list) {
            if (v.equals(value)) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(ArrayNode list, String key, JsonNode value) {
        for (int i = 0; i < list.size(); i++) {
            if (value.equals(list.get(i).get(key))) {
                return i;
            }
        }
        return -1;
    }

    /** A copy of a patch value without its directives, for when it is set whole. */
    private static JsonNode stripped(JsonNode value) {
        if (value.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            value.fields().forEachRemaining(e -> {
                if (!e.getKey().startsWith("$")) {
                    copy.set(e.getKey(), stripped(e.getValue()));
                }
            });
            return copy;
        }
        if (value.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            value.forEach(v -> copy.add(stripped(v)));
            return copy;
        }
        return value;
    }
}
