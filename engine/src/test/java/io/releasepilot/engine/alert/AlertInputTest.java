package io.releasepilot.engine.alert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.InvalidInputException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Input is checked before anything is watched: each error names the parameter, the value and the form. */
class AlertInputTest {

    static final Duration TIMEOUT = Duration.ofSeconds(1);

    @Test
    void matcherOperatorsSelectAsPrometheusDoes() {
        Map<String, String> labels = Map.of("service", "web", "track", "canary");

        assertThat(LabelMatcher.parse("matcher", "service=\"web\"").matches(labels)).isTrue();
        assertThat(LabelMatcher.parse("matcher", "track!=stable").matches(labels)).isTrue();
        assertThat(LabelMatcher.parse("matcher", "service=~\"web|api\"").matches(labels)).isTrue();
        assertThat(LabelMatcher.parse("matcher", "service=~\"we\"").matches(labels)).as("anchored").isFalse();
        assertThat(LabelMatcher.parse("matcher", "track!~\"can.*\"").matches(labels)).isFalse();
        assertThat(LabelMatcher.parse("matcher", "team=\"\"").matches(labels)).as("absent label is empty").isTrue();
    }

    @Test
    void quotedMatcherValueMayHoldEscapedQuotes() {
        LabelMatcher m = LabelMatcher.parse("matcher", "summary=\"say \\\"hi\\\"\"");

        assertThat(m.value()).isEqualTo("say \"hi\"");
        assertThat(m.toString()).isEqualTo("summary=\"say \\\"hi\\\"\"");
    }

    @Test
    void matcherWithoutAnOperatorIsInvalid() {
        assertThatThrownBy(() -> LabelMatcher.parse("matcher", "service"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid matcher: 'service' (expected " + LabelMatcher.ACCEPTED_FORM + ")");
    }

    @Test
    void matcherWithABrokenRegexIsInvalid() {
        assertThatThrownBy(() -> LabelMatcher.parse("matcher", "service=~\"web(\""))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid matcher: 'service=~\"web(\"' (expected a valid regular expression after =~");
    }

    @Test
    void alertNameWithSpacesIsInvalid() {
        assertThatThrownBy(() -> AlertSelector.parse(List.of("High Error Rate"), List.of()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid alert: 'High Error Rate' (expected " + AlertSelector.NAME_FORM + ")");
    }

    @Test
    void prometheusWatchWithoutNamesOrMatchersIsRefused() {
        assertThatThrownBy(() -> PrometheusAlerts.of("http://prom:9090", AlertSelector.parse(List.of(), List.of()), TIMEOUT))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("so only the canary's alerts count");
    }

    @Test
    void thresholdAloneMeansAbove() {
        Threshold t = Threshold.parse("threshold", "0.05");

        assertThat(t.comparison()).isEqualTo(Threshold.Comparison.GREATER);
        assertThat(t.breachedBy(0.06)).isTrue();
        assertThat(t.breachedBy(0.05)).isFalse();
        assertThat(t.breachedBy(Double.NaN)).isFalse();
    }

    @Test
    void thresholdTakesEachComparison() {
        assertThat(Threshold.parse("threshold", ">=1").breachedBy(1)).isTrue();
        assertThat(Threshold.parse("threshold", "<0.99").breachedBy(0.98)).isTrue();
        assertThat(Threshold.parse("threshold", "<= 0.99").breachedBy(1)).isFalse();
        assertThat(Threshold.parse("threshold", "==0").breachedBy(0)).isTrue();
        assertThat(Threshold.parse("threshold", "!=1").breachedBy(2)).isTrue();
        assertThat(Threshold.parse("threshold", "1e3").limit()).isEqualTo(1000);
    }

    @Test
    void thresholdThatIsNotANumberIsInvalid() {
        assertThatThrownBy(() -> Threshold.parse("threshold", "high"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid threshold: 'high' (expected " + Threshold.ACCEPTED_FORM + ")");
    }

    @Test
    void urlWithoutSchemeIsInvalid() {
        assertThatThrownBy(() -> PrometheusAlerts.of("prom:9090", AlertSelector.parse(List.of("X"), List.of()), TIMEOUT))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid prometheus: 'prom:9090' (expected " + HttpEndpoint.ACCEPTED_FORM + ")");
    }

    @Test
    void unparseableUrlIsInvalid() {
        assertThatThrownBy(() -> AlertmanagerAlerts.of("http://am:9093/a b", AlertSelector.parse(List.of("X"), List.of()), TIMEOUT))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid alertmanager: 'http://am:9093/a b'");
    }

    @Test
    void urlWithAPasswordIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> PrometheusAlerts.of("http://admin:hunter2@prom:9090", AlertSelector.parse(List.of("X"), List.of()), TIMEOUT))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageNotContaining("hunter2")
                .hasMessageContaining("no user:password in it");
    }

    @Test
    void promQlWithAlertNamesIsRefused() {
        assertThatThrownBy(() -> PromQlCondition.of("http://prom:9090", "up", Threshold.parse("threshold", "<1"),
                AlertSelector.parse(List.of("HighErrorRate"), List.of()), TIMEOUT))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid alert: 'HighErrorRate' (expected no alert names with --promql");
    }

    @Test
    void failureLimitBelowOneIsInvalid() {
        assertThatThrownBy(() -> WatchOptions.defaults().withFailureLimit(0))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid failure-limit: '0' (expected a whole number of at least 1");
    }

    @Test
    void intervalLongerThanTheWindowIsInvalid() {
        assertThatThrownBy(() -> new WatchOptions(Duration.ofSeconds(10), Duration.ofSeconds(30), 1, OnError.FAIL, 3))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid interval: '30s' (expected a duration no longer than the window (10s))");
    }

    @Test
    void onErrorTakesOnlyItsThreePolicies() {
        assertThat(OnError.parse("on-error", "Rollback")).isEqualTo(OnError.ROLLBACK);
        assertThatThrownBy(() -> OnError.parse("on-error", "retry"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("invalid on-error: 'retry' (expected fail, rollback or ignore)");
    }

    @Test
    void cloudWatchAlarmNameWithAControlCharacterIsInvalid() {
        assertThatThrownBy(() -> CloudWatchAlarms.validateNames(List.of("web-5xx\n")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid cloudwatch-alarm:");
    }
}
