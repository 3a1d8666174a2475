package io.releasepilot.engine.image;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.releasepilot.engine.EnvironmentException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Token (Bearer) authentication, which the Debian registry with htpasswd does not use: against a
 * simulated token registry (WireMock) answering as Docker Hub, GHCR or Harbor do.
 */
class RegistryClientTest {

    private static final String MANIFEST = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}";
    private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString("ci:s3cret".getBytes(StandardCharsets.UTF_8));

    private WireMockServer registry;
    private ImageReference ref;

    @BeforeEach
    void start() {
        registry = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        registry.start();
        ref = ImageReference.parse("tag", "127.0.0.1:" + registry.port() + "/shop/web:1");
        String challenge = "Bearer realm=\"" + registry.baseUrl() + "/token\",service=\"simulated-registry\"";
        registry.stubFor(get(urlPathEqualTo("/v2/")).willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate", challenge)));
        registry.stubFor(get(urlEqualTo("/v2/shop/web/manifests/1")).willReturn(aResponse().withStatus(401).withHeader("WWW-Authenticate",
                challenge + ",scope=\"repository:shop/web:pull\"")));
        registry.stubFor(get(urlEqualTo("/v2/shop/web/manifests/1")).withHeader("Authorization", equalTo("Bearer tok-1"))
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json").withBody(MANIFEST)));
        registry.stubFor(get(urlPathEqualTo("/token")).willReturn(aResponse().withStatus(401)));
        registry.stubFor(get(urlPathEqualTo("/token")).withHeader("Authorization", equalTo(BASIC))
                .willReturn(aResponse().withStatus(200).withBody("{\"token\":\"tok-1\",\"expires_in\":300}")));
    }

    @AfterEach
    void stop() {
        registry.stop();
    }

    @Test
    void aTokenRegistryServesTheManifestWhoseBytesGiveTheDigest() {
        RegistryClient client = new RegistryClient(Duration.ofSeconds(5));

        String digest = client.manifestDigest(ref, new RegistryCredentials("ci", "s3cret".toCharArray(), "the test"));

        assertThat(digest).isEqualTo(RegistryClient.sha256(MANIFEST.getBytes(StandardCharsets.UTF_8)));
        registry.verify(getRequestedFor(urlPathEqualTo("/token"))
                .withQueryParam("service", equalTo("simulated-registry"))
                .withQueryParam("scope", equalTo("repository:shop/web:pull")));
        registry.verify(getRequestedFor(urlEqualTo("/v2/shop/web/manifests/1"))
                .withHeader("Accept", containing("application/vnd.oci.image.manifest.v1+json"))
                .withHeader("Accept", containing("application/vnd.docker.distribution.manifest.v2+json")));
    }

    @Test
    void aTokenServiceThatRefusesTheCredentialsIsReportedAsRejectedCredentials() {
        RegistryClient client = new RegistryClient(Duration.ofSeconds(5));

        assertThatThrownBy(() -> client.checkLogin(ref, new RegistryCredentials("ci", "wrong".toCharArray(), "the test")))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageStartingWith("registry " + ref.registry() + " rejected the credentials of user 'ci' (from the test): HTTP 401 at "
                        + registry.baseUrl() + "/token?service=simulated-registry&account=ci");
    }

    @Test
    void aProtectedRegistryWithoutCredentialsSaysNoneWereGiven() {
        RegistryClient client = new RegistryClient(Duration.ofSeconds(5));

        assertThatThrownBy(() -> client.manifestDigest(ref, null))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("registry " + ref.registry() + " asks for credentials to read the manifest of " + ref)
                .hasMessageContaining("none were given");
    }

    @Test
    void anUnreachableRegistryIsNamedWithTheAddressTried() {
        ImageReference nowhere = ImageReference.parse("tag", "127.0.0.1:1/shop/web:1");

        assertThatThrownBy(() -> new RegistryClient(Duration.ofSeconds(5)).manifestDigest(nowhere, null))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageStartingWith("registry 127.0.0.1:1 is unreachable at http://127.0.0.1:1/v2/shop/web/manifests/1");
    }
}
