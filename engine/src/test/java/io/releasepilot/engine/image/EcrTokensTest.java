package io.releasepilot.engine.image;

import io.releasepilot.engine.testing.RecordingLauncher;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.host.Origin;
import io.releasepilot.engine.testing.BusyboxContext;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;

/** The ECR token flow against a simulated ECR (WireMock speaking ECR's awsJson1_1 protocol). */
class EcrTokensTest {

    private static final String TARGET = "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken";
    private static final String REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
    private static final String ECR_PASSWORD = "ecr-token-" + UUID.randomUUID();

    @TempDir
    Path work;

    private WireMockServer ecr;
    private EcrTokens tokens;

    @BeforeEach
    void startSimulatedEcr() {
        ecr = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort());
        ecr.start();
        tokens = new EcrTokens(region -> EcrClient.builder()
                .region(Region.of(region))
                .endpointOverride(URI.create(ecr.baseUrl()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAEXAMPLE", "aws-secret-example")))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD).apiCallTimeout(Duration.ofSeconds(10)))
                .build());
    }

    @AfterEach
    void stop() {
        ecr.stop();
    }

    private void answerWithToken() {
        String token = Base64.getEncoder().encodeToString(("AWS:" + ECR_PASSWORD).getBytes(StandardCharsets.UTF_8));
        ecr.stubFor(post(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo(TARGET)).willReturn(aResponse()
                .withStatus(200)
                .withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"authorizationData\":[{\"authorizationToken\":\"" + token + "\",\"expiresAt\":1.7999856E9,"
                        + "\"proxyEndpoint\":\"https://" + REGISTRY + "\"}]}")));
    }

    @Test
    void anEcrRegistryGetsTheUserAndPasswordOfASignedGetAuthorizationToken() {
        // Given ECR hands out a token
        answerWithToken();

        // When credentials for an ECR reference are asked for
        RegistryCredentials credentials = tokens.credentialsFor(ImageReference.parse("tag", REGISTRY + "/shop/web:1"));

        // Then they are the decoded user and password, got with a SigV4 request for the registry's region
        assertThat(credentials.username()).isEqualTo("AWS");
        assertThat(credentials.basicToken()).isEqualTo(Base64.getEncoder().encodeToString(("AWS:" + ECR_PASSWORD).getBytes(StandardCharsets.UTF_8)));
        assertThat(credentials.origin()).isEqualTo("ECR GetAuthorizationToken in eu-west-1");
        assertThat(credentials.toString()).doesNotContain(ECR_PASSWORD);
        ecr.verify(1, postRequestedFor(urlEqualTo("/"))
                .withHeader("X-Amz-Target", equalTo(TARGET))
                .withHeader("Authorization", containing("/eu-west-1/ecr/aws4_request")));
    }

    @Test
    void aRefusalByEcrNamesTheRegionAndTheRegistry() {
        // Given ECR refuses the caller
        ecr.stubFor(post(urlEqualTo("/")).willReturn(aResponse()
                .withStatus(400)
                .withHeader("Content-Type", "application/x-amz-json-1.1")
                .withBody("{\"__type\":\"AccessDeniedException\",\"message\":\"User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ecr:GetAuthorizationToken\"}")));

        // When credentials are asked for
        // Then the error says which registry, which region and what ECR said
        assertThatThrownBy(() -> tokens.credentialsFor(ImageReference.parse("tag", REGISTRY + "/shop/web:1")))
                .isInstanceOf(EnvironmentException.class)
                .hasMessageContaining("ECR in eu-west-1 gave no registry token for " + REGISTRY)
                .hasMessageContaining("not authorized to perform: ecr:GetAuthorizationToken");
    }

    @Test
    void buildImageAsksEcrForATokenForAnEcrTagAndProvesItAgainstThatRegistry() {
        // Given ECR hands out a token, and a build whose tag is in ECR with no credentials given
        answerWithToken();
        Path context = BusyboxContext.write(work.resolve("ctx"), BusyboxContext.TWO_STAGES);
        RecordingLauncher launcher = new RecordingLauncher();
        BuildImage buildImage = new BuildImage(launcher, List.of(new BuildahBuilder()), new RegistryClient(Duration.ofSeconds(5)), tokens,
                Clock.systemUTC());
        BuildRequest request = new BuildRequest(context.toString(), null, BuildRequest.tags(List.of(REGISTRY + "/shop/web:1"), true), Map.of(),
                null, Map.of(), BuilderChoice.AUTO, true, null, "abc", null, null, null);
        List<String> console = new ArrayList<>();

        // When it runs (the real ECR registry cannot be reached from here)
        try (AuditStore audit = AuditStores.open(new AuditStores.Config("jdbc:h2:mem:ecr" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1"))) {
            assertThatThrownBy(() -> buildImage.run(request, audit, new Origin("t", "cli://t"), console::add))
                    // Then the token was asked of ECR and checked against that registry before anything was built
                    .isInstanceOf(EnvironmentException.class)
                    .hasMessageContaining("registry " + REGISTRY + " is unreachable at https://" + REGISTRY + "/v2/");
        }
        ecr.verify(1, postRequestedFor(urlEqualTo("/")).withHeader("X-Amz-Target", equalTo(TARGET)));
        assertThat(console).contains("[buildImage] registry " + REGISTRY + ": token from ECR in eu-west-1");
        assertThat(launcher.requests).noneMatch(r -> r.command().contains("bud"));
    }
}
