package io.releasepilot.engine.input;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.releasepilot.engine.InvalidInputException;
import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class InputTest {

    @ParameterizedTest
    @CsvSource({"30s,30000", "5m,300000", "1h30m,5400000", "250ms,250", "2h,7200000", "1m30s,90000", "0s,0"})
    void durationsInTheDocumentedFormParse(String text, long millis) {
        assertThat(Durations.parse("timeout", text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "5 m", "m5", "1.5h", "30s5m", "-5s", "5d", "PT5M"})
    void otherDurationsAreRefusedNamingTheParameter(String text) {
        assertThatThrownBy(() -> Durations.parse("timeout", text))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("invalid timeout: '" + text + "'")
                .hasMessageContaining("30s, 5m, 1h30m");
    }

    @ParameterizedTest
    @ValueSource(strings = {"30s", "1h30m", "250ms", "2h5m7s"})
    void aFormattedDurationParsesBackToItself(String text) {
        assertThat(Durations.format(Durations.parse("d", text))).isEqualTo(text);
    }

    @org.junit.jupiter.api.Test
    void zeroIsRefusedWhereAPositiveDurationIsNeeded() {
        assertThatThrownBy(() -> Durations.parsePositive("interval", "0s")).hasMessageContaining("greater than zero");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Web", "-web", "web-", "web_api", "we b", "a..b"})
    void serviceNamesOutsideTheKubernetesFormAreRefused(String name) {
        assertThatThrownBy(() -> Names.service(name)).isInstanceOf(InvalidInputException.class).hasMessageContaining("invalid service");
    }

    @ParameterizedTest
    @ValueSource(strings = {"web", "web-api", "web.v2", "a"})
    void serviceNamesInTheKubernetesFormAreAccepted(String name) {
        assertThat(Names.service(name)).isEqualTo(name);
    }

    @org.junit.jupiter.api.Test
    void environmentsAreNormalisedToUpperCase() {
        assertThat(Names.environment("prod")).isEqualTo("PROD");
        assertThat(Names.environment("eu-west_1")).isEqualTo("EU-WEST_1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1prod", "pr od", "prod!", "abcdefghijabcdefghijabcdefghijabc"})
    void malformedEnvironmentsAreRefused(String name) {
        assertThatThrownBy(() -> Names.environment(name)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("e.g. INT, UAT, PROD");
    }

    @org.junit.jupiter.api.Test
    void dnsLabelsAreAtMost63Characters() {
        assertThat(Names.dnsLabel("namespace", "a".repeat(63))).hasSize(63);
        assertThatThrownBy(() -> Names.dnsLabel("namespace", "a".repeat(64))).hasMessageContaining("invalid namespace");
    }
}
