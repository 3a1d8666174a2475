package io.releasepilot.engine.image;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.releasepilot.engine.EnvironmentException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A deploy's tag resolved by the registry (simulated by WireMock as an anonymous distribution v2 registry). */
class RegistryDigestsTest {

    private static final String MANIFEST = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}";

    private WireMockServer registry;

    @BeforeEach
    void start() {
        registry = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        registry.start();
        registry.stubFor(get(urlEqualTo("/v2/shop/web/manifests/2.0")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json").withBody(MANIFEST)));
    }

    @AfterEach
    void stop() {
        registry.stop();
    }

    @Test
    void aTagResolvesToTheDigestOfTheManifestBytesTheRegistryServes() {
        String digest = new RegistryDigests(Duration.ofSeconds(5), null).digestOf("127.0.0.1:" + registry.port() + "/shop/web:2.0");

        assertThat(digest).isEqualTo(RegistryClient.sha256(MANIFEST.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aTagTheRegistryDoesNotKnowIsAnEnvironmentErrorNamingIt() {
        assertThatThrownBy(() -> new RegistryDigests(Duration.ofSeconds(5), null).digestOf("127.0.0.1:" + registry.port() + "/shop/web:9.9"))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("has no manifest for 127.0.0.1:" + registry.port() + "/shop/web:9.9");
    }

    @Test
    void aReferenceWithoutARegistryCannotBeResolved() {
        assertThatThrownBy(() -> new RegistryDigests(Duration.ofSeconds(5), null).digestOf("web:2.0"))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("it names no registry");
    }
}
