package io.releasepilot.engine.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.act.RunId;
import io.releasepilot.engine.input.Durations;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The act last started on a Deployment, recorded in its annotation {@code releasepilot.io/act} in
 * the same write that takes the lease: the run id, the act, its absolute deadline and the request
 * as given. A host that restarted resumes the act from this record alone, with the same deadline.
 * It stays after the act ends, so a resume that comes after the end finds the act done. It holds
 * no secret: smoke-check URLs carry no credentials, and a hotfix reason is audited text anyway.
 *
 * @param run      the run that started the act
 * @param act      deployCanary, promote or rollback
 * @param deadline when the act gives up
 * @param request  the request as JSON
 */
record ActRecord(String run, String act, Instant deadline, JsonNode request) {

    static final String ANNOTATION = CanaryState.PREFIX + "act";
    private static final ObjectMapper JSON = new ObjectMapper();

    void writeTo(Deployment d) {
        ObjectNode o = JSON.createObjectNode();
        o.put("run", run);
        o.put("act", act);
        o.put("deadline", deadline.toString());
        o.set("request", request);
        DeploymentTarget.annotations(d).put(ANNOTATION, o.toString());
    }

    /** The record on a Deployment, or null. */
    static ActRecord of(Deployment d) {
        String text = d.getMetadata().getAnnotations() == null ? null : d.getMetadata().getAnnotations().get(ANNOTATION);
        if (text == null) {
            return null;
        }
        try {
            JsonNode o = JSON.readTree(text);
            return new ActRecord(o.path("run").asText(), o.path("act").asText(), Instant.parse(o.path("deadline").asText()),
                    o.path("request"));
        } catch (JsonProcessingException | DateTimeParseException e) {
            throw new EnvironmentException("the annotation " + ANNOTATION + " on deployment " + d.getMetadata().getNamespace() + "/"
                    + d.getMetadata().getName() + " cannot be read (" + e.getMessage() + "); it was changed by hand: remove it", e);
        }
    }

    /** The record of {@code act} by {@code run} on {@code d}; anything else is bad input naming what is recorded there. */
    static ActRecord require(Deployment d, RunId run, String act) {
        ActRecord recorded = of(d);
        String label = d.getMetadata().getNamespace() + "/" + d.getMetadata().getName();
        if (recorded == null) {
            throw new InvalidInputException("run", run.value(), "the run id of an act started on deployment " + label
                    + " (none is recorded there)");
        }
        if (!recorded.run().equals(run.value()) || !recorded.act().equals(act)) {
            throw new InvalidInputException("run", run.value(), "the run id of the " + act + " last started on deployment " + label
                    + " (the last act recorded there is " + recorded.act() + " by run " + recorded.run() + ")");
        }
        return recorded;
    }

    static JsonNode json(CanaryRequest r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("namespace", r.namespace());
        o.put("deployment", r.deployment());
        o.put("image", r.image().reference());
        o.put("container", r.container());
        o.put("weight", r.weight());
        o.put("traffic", r.traffic() == null ? null : r.traffic().name());
        o.put("environment", r.environment());
        o.put("service", r.service());
        o.put("timeout", Durations.format(r.timeout()));
        o.put("hotfix", r.hotfix());
        o.put("reason", r.reason());
        ArrayNode smoke = o.putArray("smokeChecks");
        r.smokeChecks().forEach(c -> smoke.add(c.url() + "=" + c.expectedStatus()));
        o.put("strategy", r.strategy().text());
        o.put("scaleDownDelay", r.scaleDownDelay() == null ? null : Durations.format(r.scaleDownDelay()));
        return o;
    }

    CanaryRequest canaryRequest() {
        List<SmokeCheck> smoke = new ArrayList<>();
        request.path("smokeChecks").forEach(c -> smoke.add(SmokeCheck.parse("smoke-url", c.asText())));
        String traffic = text("traffic");
        String delay = text("scaleDownDelay");
        return new CanaryRequest(text("namespace"), text("deployment"), ContainerImage.parse("image", text("image")), text("container"),
                request.path("weight").asInt(), traffic == null ? null : TrafficRouting.parse("traffic", traffic), text("environment"),
                text("service"), Durations.parse("timeout", text("timeout")), request.path("hotfix").asBoolean(), text("reason"), smoke,
                DeliveryStrategy.parse("strategy", text("strategy")), delay == null ? null : Durations.parse("scale-down-delay", delay));
    }

    static JsonNode json(PromoteRequest r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("namespace", r.namespace());
        o.put("deployment", r.deployment());
        o.put("environment", r.environment());
        o.put("hotfix", r.hotfix());
        o.put("reason", r.reason());
        o.put("timeout", Durations.format(r.timeout()));
        return o;
    }

    PromoteRequest promoteRequest() {
        return new PromoteRequest(text("namespace"), text("deployment"), text("environment"), request.path("hotfix").asBoolean(),
                text("reason"), Durations.parse("timeout", text("timeout")));
    }

    static JsonNode json(RollbackRequest r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("namespace", r.namespace());
        o.put("deployment", r.deployment());
        o.put("toRelease", r.toRelease());
        o.put("reason", r.reason());
        o.put("timeout", Durations.format(r.timeout()));
        return o;
    }

    RollbackRequest rollbackRequest() {
        return new RollbackRequest(text("namespace"), text("deployment"), text("toRelease"), text("reason"),
                Durations.parse("timeout", text("timeout")));
    }

    private String text(String field) {
        JsonNode n = request.path(field);
        return n.isMissingNode() || n.isNull() ? null : n.asText();
    }
}
