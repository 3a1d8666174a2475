package io.releasepilot.sandbox.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The discovery answers of the SIMULATED API server: {@code /version}, {@code /api},
 * {@code /apis}, {@code /apis/GROUP} and the resource lists of each group version. kubectl asks
 * for these before any other request (to map {@code deployments} to {@code apps/v1} and decide a
 * kind is namespaced); fabric8's CRUD mock answers none of them (it reads every such path as a
 * list of some resource). The table names the kinds the engine, the sandbox and a test's manifests
 * use, not all of Kubernetes.
 */
final class ApiDiscovery {

    /** The version the simulation reports; kubectl only warns when its own is more than one minor apart. */
    static final String GIT_VERSION = "v1.32.0-release-pilot-simulated";

    private static final List<String> VERBS = List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");
    private static final List<String> SUBRESOURCE_VERBS = List.of("get", "patch", "update");

    /** One resource of a group version: its plural, kind, scope and short names. */
    private record Kind(String plural, String kind, boolean namespaced, List<String> shortNames, List<String> subresources) {
        /** In the category {@code all} ({@code kubectl get all}), as on a real cluster. */
        boolean inAll() {
            return ALL_CATEGORY.contains(kind);
        }
    }

    private static final Set<String> ALL_CATEGORY = Set.of("Pod", "Service", "Deployment", "ReplicaSet", "StatefulSet",
            "DaemonSet", "Job", "CronJob", "HorizontalPodAutoscaler");

    private static final Map<String, List<Kind>> GROUP_VERSIONS = new LinkedHashMap<>();

    static {
        GROUP_VERSIONS.put("v1", List.of(
                new Kind("namespaces", "Namespace", false, List.of("ns"), List.of("status")),
                new Kind("pods", "Pod", true, List.of("po"), List.of("status", "log")),
                new Kind("services", "Service", true, List.of("svc"), List.of("status")),
                new Kind("endpoints", "Endpoints", true, List.of("ep"), List.of()),
                new Kind("configmaps", "ConfigMap", true, List.of("cm"), List.of()),
                new Kind("secrets", "Secret", true, List.of(), List.of()),
                new Kind("serviceaccounts", "ServiceAccount", true, List.of("sa"), List.of()),
                new Kind("events", "Event", true, List.of("ev"), List.of()),
                new Kind("persistentvolumeclaims", "PersistentVolumeClaim", true, List.of("pvc"), List.of("status"))));
        GROUP_VERSIONS.put("apps/v1", List.of(
                new Kind("deployments", "Deployment", true, List.of("deploy"), List.of("status", "scale")),
                new Kind("replicasets", "ReplicaSet", true, List.of("rs"), List.of("status", "scale")),
                new Kind("statefulsets", "StatefulSet", true, List.of("sts"), List.of("status", "scale")),
                new Kind("daemonsets", "DaemonSet", true, List.of("ds"), List.of("status"))));
        GROUP_VERSIONS.put("batch/v1", List.of(
                new Kind("jobs", "Job", true, List.of(), List.of("status")),
                new Kind("cronjobs", "CronJob", true, List.of("cj"), List.of("status"))));
        GROUP_VERSIONS.put("coordination.k8s.io/v1", List.of(
                new Kind("leases", "Lease", true, List.of(), List.of())));
        GROUP_VERSIONS.put("networking.k8s.io/v1", List.of(
                new Kind("ingresses", "Ingress", true, List.of("ing"), List.of("status")),
                new Kind("networkpolicies", "NetworkPolicy", true, List.of("netpol"), List.of())));
        GROUP_VERSIONS.put("policy/v1", List.of(
                new Kind("poddisruptionbudgets", "PodDisruptionBudget", true, List.of("pdb"), List.of("status"))));
        GROUP_VERSIONS.put("autoscaling/v2", List.of(
                new Kind("horizontalpodautoscalers", "HorizontalPodAutoscaler", true, List.of("hpa"), List.of("status"))));
        GROUP_VERSIONS.put("gateway.networking.k8s.io/v1", List.of(
                new Kind("httproutes", "HTTPRoute", true, List.of(), List.of("status"))));
        GROUP_VERSIONS.put("networking.istio.io/v1beta1", List.of(
                new Kind("virtualservices", "VirtualService", true, List.of("vs"), List.of())));
    }

    private final ObjectMapper json = new ObjectMapper();

    /** The answer to a discovery request, or null when {@code path} is not one (then the store answers). */
    MockResponse answer(String method, String path) {
        if (!"GET".equals(method) || path == null) {
            return null;
        }
        int query = path.indexOf('?');
        String bare = (query < 0 ? path : path.substring(0, query)).replaceAll("/+$", "");
        if (bare.equals("/openapi/v2")) {
            // kubectl then reads the OpenAPI v3 documents below; v2 comes as protobuf, which this table is not worth.
            return new MockResponse().setResponseCode(404).setHeader("Content-Type", "application/json")
                    .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"NotFound\",\"code\":404,"
                            + "\"message\":\"the simulated API serves OpenAPI v3 only\"}");
        }
        ObjectNode body = switch (bare) {
            case "/version" -> version();
            case "/api" -> apiVersions();
            case "/apis" -> groupList();
            case "/openapi/v3" -> openApiIndex();
            default -> bare.startsWith("/openapi/v3/") ? openApi(bare.substring("/openapi/v3/".length())) : groupOrResources(bare);
        };
        if (body == null) {
            return null;
        }
        return new MockResponse().setResponseCode(200).setHeader("Content-Type", "application/json").setBody(body.toString());
    }

    /** The OpenAPI v3 index: one document per group version. */
    private ObjectNode openApiIndex() {
        ObjectNode index = json.createObjectNode();
        ObjectNode paths = index.putObject("paths");
        for (String gv : GROUP_VERSIONS.keySet()) {
            String key = openApiKey(gv);
            paths.putObject(key).put("serverRelativeURL", "/openapi/v3/" + key + "?hash=" + Integer.toHexString(key.hashCode()));
        }
        return index;
    }

    private static String openApiKey(String groupVersion) {
        return groupVersion.equals("v1") ? "api/v1" : "apis/" + groupVersion;
    }

    /**
     * A group version's OpenAPI v3 document: without schemas, only each kind's PATCH operation with
     * its {@code fieldValidation} parameter. That is what kubectl looks for to leave validation to
     * the server (which here accepts any well-formed object) instead of validating against
     * schemas itself.
     */
    private ObjectNode openApi(String key) {
        String groupVersion = GROUP_VERSIONS.keySet().stream().filter(gv -> openApiKey(gv).equals(key)).findFirst().orElse(null);
        if (groupVersion == null) {
            return null;
        }
        String group = groupVersion.contains("/") ? groupVersion.substring(0, groupVersion.indexOf('/')) : "";
        String version = groupVersion.substring(groupVersion.indexOf('/') + 1);
        ObjectNode doc = json.createObjectNode();
        doc.put("openapi", "3.0.0");
        doc.putObject("info").put("title", "Release Pilot SIMULATED Kubernetes API").put("version", GIT_VERSION);
        ObjectNode paths = doc.putObject("paths");
        for (Kind k : GROUP_VERSIONS.get(groupVersion)) {
            String path = "/" + key + (k.namespaced() ? "/namespaces/{namespace}/" : "/") + k.plural() + "/{name}";
            ObjectNode patch = paths.putObject(path).putObject("patch");
            patch.put("operationId", "patch" + k.kind());
            patch.putObject("x-kubernetes-group-version-kind").put("group", group).put("version", version).put("kind", k.kind());
            patch.putArray("parameters").addObject().put("name", "fieldValidation").put("in", "query")
                    .putObject("schema").put("type", "string");
            patch.putObject("responses").putObject("200").put("description", "OK");
        }
        doc.putObject("components").putObject("schemas");
        return doc;
    }

    private ObjectNode version() {
        ObjectNode v = json.createObjectNode();
        v.put("major", "1");
        v.put("minor", "32");
        v.put("gitVersion", GIT_VERSION);
        v.put("platform", "linux/amd64");
        return v;
    }

    private ObjectNode apiVersions() {
        ObjectNode v = json.createObjectNode();
        v.put("kind", "APIVersions");
        v.putArray("versions").add("v1");
        v.putArray("serverAddressByClientCIDRs");
        return v;
    }

    private ObjectNode groupList() {
        ObjectNode list = json.createObjectNode();
        list.put("kind", "APIGroupList");
        list.put("apiVersion", "v1");
        ArrayNode groups = list.putArray("groups");
        GROUP_VERSIONS.keySet().stream().filter(gv -> gv.contains("/")).forEach(gv -> groups.add(group(gv)));
        return list;
    }

    private ObjectNode group(String groupVersion) {
        String name = groupVersion.substring(0, groupVersion.indexOf('/'));
        String version = groupVersion.substring(groupVersion.indexOf('/') + 1);
        ObjectNode g = json.createObjectNode();
        g.put("name", name);
        ObjectNode preferred = json.createObjectNode().put("groupVersion", groupVersion).put("version", version);
        g.putArray("versions").add(preferred);
        g.set("preferredVersion", preferred.deepCopy());
        return g;
    }

    /** {@code /api/v1}, {@code /apis/GROUP/VERSION} (resource lists) and {@code /apis/GROUP}; null for any other path. */
    private ObjectNode groupOrResources(String bare) {
        String groupVersion;
        if (bare.equals("/api/v1")) {
            groupVersion = "v1";
        } else if (bare.startsWith("/apis/")) {
            String rest = bare.substring("/apis/".length());
            long slashes = rest.chars().filter(c -> c == '/').count();
            if (slashes == 0) {
                return GROUP_VERSIONS.keySet().stream().filter(gv -> gv.startsWith(rest + "/")).findFirst()
                        .map(gv -> {
                            ObjectNode g = group(gv);
                            g.put("kind", "APIGroup");
                            g.put("apiVersion", "v1");
                            return g;
                        }).orElse(null);
            }
            if (slashes != 1) {
                return null;
            }
            groupVersion = rest;
        } else {
            return null;
        }
        List<Kind> kinds = GROUP_VERSIONS.get(groupVersion);
        if (kinds == null) {
            return null;
        }
        ObjectNode list = json.createObjectNode();
        list.put("kind", "APIResourceList");
        list.put("apiVersion", "v1");
        list.put("groupVersion", groupVersion);
        ArrayNode resources = list.putArray("resources");
        for (Kind k : kinds) {
            ObjectNode r = resources.addObject();
            r.put("name", k.plural());
            r.put("singularName", k.kind().toLowerCase(Locale.ROOT));
            r.put("namespaced", k.namespaced());
            r.put("kind", k.kind());
            r.set("verbs", json.valueToTree(VERBS));
            if (!k.shortNames().isEmpty()) {
                r.set("shortNames", json.valueToTree(k.shortNames()));
            }
            if (k.inAll()) {
                r.putArray("categories").add("all");
            }
            for (String sub : k.subresources()) {
                ObjectNode s = resources.addObject();
                s.put("name", k.plural() + "/" + sub);
                s.put("singularName", "");
                s.put("namespaced", k.namespaced());
                if (sub.equals("scale")) {
                    s.put("group", "autoscaling");
                    s.put("version", "v1");
                    s.put("kind", "Scale");
                } else {
                    s.put("kind", sub.equals("log") ? "Pod" : k.kind());
                }
                s.set("verbs", json.valueToTree(sub.equals("log") ? List.of("get") : SUBRESOURCE_VERBS));
            }
        }
        return list;
    }
}
