package io.releasepilot.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.releasepilot.engine.alert.AlertSelector;
import io.releasepilot.engine.alert.FiringAlert;
import io.releasepilot.engine.alert.PrometheusAlerts;
import io.releasepilot.sandbox.servers.MetricsTarget;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sandbox's stand-in for Prometheus where none is installed: the metrics target's simulated
 * alerts endpoint, read by the engine's own Prometheus alert source.
 */
class SimulatedAlertsEndpointTest {

    private MetricsTarget metrics;
    private PrometheusAlerts source;

    @BeforeEach
    void start() {
        metrics = MetricsTarget.start();
        metrics.alertWhenAbove("CanaryErrorRate", "canary_error_ratio", 0.05);
        source = PrometheusAlerts.of(metrics.alertsUrl(), AlertSelector.parse(List.of("CanaryErrorRate"), List.of("service=web")),
                Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() {
        source.close();
        metrics.close();
    }

    @Test
    void aSeriesAboveTheLimitFiresWithTheSeriesLabels() throws Exception {
        // Given the rule, when the web canary's error ratio crosses the limit
        metrics.set("canary_error_ratio{namespace=\"uat\",service=\"web\"}", 0.21);

        // Then the engine's Prometheus source sees the alert firing, labelled as the series
        List<FiringAlert> firing = source.firing();
        assertThat(firing).hasSize(1);
        assertThat(firing.get(0).name()).isEqualTo("CanaryErrorRate");
        assertThat(firing.get(0).labels()).containsEntry("namespace", "uat").containsEntry("service", "web");
        assertThat(firing.get(0).value()).isEqualTo("0.21");
    }

    @Test
    void aSeriesBackUnderTheLimitStopsFiring() throws Exception {
        // Given web's canary above the limit
        metrics.set("canary_error_ratio{service=\"web\"}", 0.21);

        // When it drops back under it
        metrics.set("canary_error_ratio{service=\"web\"}", 0.01);

        // Then nothing fires
        assertThat(source.firing()).isEmpty();
    }

    @Test
    void aSeriesOfAnotherServiceIsNotSelected() throws Exception {
        // When api's canary (not selected) is above the limit
        metrics.set("canary_error_ratio{service=\"api\"}", 0.5);

        // Then the web watch sees nothing firing
        assertThat(source.firing()).isEmpty();
    }
}
