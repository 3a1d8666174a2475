package io.releasepilot.sandbox.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class StrategicMergePatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode json(String text) throws Exception {
        return (ObjectNode) JSON.readTree(text.replace('\'', '"'));
    }

    private static final String DEPLOYMENT = """
            {'metadata': {'name': 'web', 'labels': {'app': 'web', 'tier': 'front'}},
             'spec': {'replicas': 2, 'template': {'spec': {'containers': [
                {'name': 'app', 'image': 'web:1', 'ports': [{'containerPort': 8080}], 'env': [{'name': 'A', 'value': '1'}, {'name': 'B', 'value': '2'}]},
                {'name': 'proxy', 'image': 'envoy:1'}],
              'tolerations': [{'key': 'x'}]}}}}
            """;

    @Test
    void containersMergeByNameSoAnImageChangeKeepsTheOtherContainer() throws Exception {
        // Given a Deployment with two containers
        // When a patch names only one of them, with a new image
        ObjectNode result = StrategicMergePatch.apply(json(DEPLOYMENT),
                json("{'spec': {'template': {'spec': {'containers': [{'name': 'app', 'image': 'web:2'}]}}}}"));

        // Then that container has the new image and keeps its ports and env; the other is untouched
        assertThat(result.at("/spec/template/spec/containers/0/image").asText()).isEqualTo("web:2");
        assertThat(result.at("/spec/template/spec/containers/0/ports/0/containerPort").asInt()).isEqualTo(8080);
        assertThat(result.at("/spec/template/spec/containers/0/env").size()).isEqualTo(2);
        assertThat(result.at("/spec/template/spec/containers/1/image").asText()).isEqualTo("envoy:1");
    }

    @Test
    void envMergesByNameAndANewVariableGoesLast() throws Exception {
        // Given env A and B; when a patch changes B and adds C
        ObjectNode result = StrategicMergePatch.apply(json(DEPLOYMENT), json(
                "{'spec': {'template': {'spec': {'containers': [{'name': 'app', 'env': [{'name': 'B', 'value': '3'}, {'name': 'C', 'value': '4'}]}]}}}}"));

        // Then A is kept, B changed in place, C appended
        assertThat(result.at("/spec/template/spec/containers/0/env").toString())
                .isEqualTo("[{\"name\":\"A\",\"value\":\"1\"},{\"name\":\"B\",\"value\":\"3\"},{\"name\":\"C\",\"value\":\"4\"}]");
    }

    @Test
    void aNullValueDeletesTheKey() throws Exception {
        // Given labels app and tier; when a patch sets tier to null
        ObjectNode result = StrategicMergePatch.apply(json(DEPLOYMENT), json("{'metadata': {'labels': {'tier': null}}}"));

        // Then only app is left
        assertThat(result.at("/metadata/labels").toString()).isEqualTo("{\"app\":\"web\"}");
    }

    @Test
    void aPatchDeleteDirectiveRemovesTheListElement() throws Exception {
        // Given two containers; when a patch marks proxy with $patch: delete
        ObjectNode result = StrategicMergePatch.apply(json(DEPLOYMENT),
                json("{'spec': {'template': {'spec': {'containers': [{'name': 'proxy', '$patch': 'delete'}]}}}}"));

        // Then only app is left
        assertThat(result.at("/spec/template/spec/containers").size()).isEqualTo(1);
        assertThat(result.at("/spec/template/spec/containers/0/name").asText()).isEqualTo("app");
    }

    @Test
    void aListWithoutAMergeKeyIsReplaced() throws Exception {
        // Given tolerations [x]; when a patch gives [y] (tolerations have no merge key)
        ObjectNode result = StrategicMergePatch.apply(json(DEPLOYMENT), json("{'spec': {'template': {'spec': {'tolerations': [{'key': 'y'}]}}}}"));

        // Then the list is the patch's
        assertThat(result.at("/spec/template/spec/tolerations").toString()).isEqualTo("[{\"key\":\"y\"}]");
    }

    @Test
    void servicePortsMergeByPortNotByContainerPort() throws Exception {
        // Given a Service with ports 80 and 443
        ObjectNode service = json("{'spec': {'ports': [{'port': 80, 'targetPort': 8080}, {'port': 443, 'targetPort': 8443}]}}");

        // When a patch changes port 80's target
        ObjectNode result = StrategicMergePatch.apply(service, json("{'spec': {'ports': [{'port': 80, 'targetPort': 9090}]}}"));

        // Then 80 is changed and 443 kept
        assertThat(result.at("/spec/ports").toString())
                .isEqualTo("[{\"port\":80,\"targetPort\":9090},{\"port\":443,\"targetPort\":8443}]");
    }

    @Test
    void retainKeysDropsWhatThePatchDoesNotList() throws Exception {
        // Given a RollingUpdate strategy with its parameters
        ObjectNode deployment = json("{'spec': {'strategy': {'type': 'RollingUpdate', 'rollingUpdate': {'maxSurge': 1}}}}");

        // When kubectl switches it to Recreate, retaining only type
        ObjectNode result = StrategicMergePatch.apply(deployment, json("{'spec': {'strategy': {'$retainKeys': ['type'], 'type': 'Recreate'}}}"));

        // Then rollingUpdate is gone
        assertThat(result.at("/spec/strategy").toString()).isEqualTo("{\"type\":\"Recreate\"}");
    }

    @Test
    void setElementOrderDirectivesAreNotWrittenIntoTheObject() throws Exception {
        // Given a patch as kubectl apply sends it, with $setElementOrder
        ObjectNode result = StrategicMergePatch.apply(json(DEPLOYMENT), json(
                "{'spec': {'template': {'spec': {'$setElementOrder/containers': [{'name': 'app'}, {'name': 'proxy'}],"
                        + " 'containers': [{'name': 'app', 'image': 'web:3'}]}}}}"));

        // Then the directive is not stored, the change is
        assertThat(result.at("/spec/template/spec").has("$setElementOrder/containers")).isFalse();
        assertThat(result.at("/spec/template/spec/containers/0/image").asText()).isEqualTo("web:3");
    }

    @Test
    void theCurrentObjectIsNotChanged() throws Exception {
        // Given the stored object; when a patch is applied; then the stored copy is untouched
        ObjectNode current = json(DEPLOYMENT);
        String before = current.toString();

        StrategicMergePatch.apply(current, json("{'spec': {'replicas': 5}}"));

        assertThat(current.toString()).isEqualTo(before);
    }
}
