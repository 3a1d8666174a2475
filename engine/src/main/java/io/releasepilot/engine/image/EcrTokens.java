package io.releasepilot.engine.image;

import io.releasepilot.engine.EnvironmentException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Function;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ecr.model.GetAuthorizationTokenResponse;

/**
 * Registry credentials for Amazon ECR ({@code ACCOUNT.dkr.ecr.REGION.amazonaws.com}): a 12-hour
 * token from {@code GetAuthorizationToken}, signed with the AWS SDK's default credential chain
 * (environment, profile, web identity, instance or container role).
 */
public final class EcrTokens {

    private final Function<String, EcrClient> clients;

    /** @param clients makes a client for a region (tests point it at a simulated endpoint) */
    public EcrTokens(Function<String, EcrClient> clients) {
        this.clients = clients;
    }

    /** Clients for the real ECR, with the SDK's default credential chain and the small JDK HTTP client. */
    public static EcrTokens standard() {
        return new EcrTokens(region -> EcrClient.builder()
                .region(Region.of(region))
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build());
    }

    /** A token for the registry of {@code ref}, which must be an ECR registry. */
    public RegistryCredentials credentialsFor(ImageReference ref) {
        String region = ref.ecrRegion();
        if (region == null) {
            throw new IllegalArgumentException("not an ECR registry: " + ref.registry());
        }
        String origin = "ECR GetAuthorizationToken in " + region;
        GetAuthorizationTokenResponse response;
        try (EcrClient ecr = clients.apply(region)) {
            response = ecr.getAuthorizationToken(b -> { });
        } catch (SdkException e) {
            throw new EnvironmentException("ECR in " + region + " gave no registry token for " + ref.registry()
                    + " (GetAuthorizationToken with the AWS default credential chain): " + e.getMessage(), e);
        }
        AuthorizationData data = response.authorizationData().stream().findFirst().orElseThrow(() ->
                new EnvironmentException("ECR in " + region + " answered GetAuthorizationToken without authorization data for " + ref.registry()));
        byte[] decoded = Base64.getDecoder().decode(data.authorizationToken());
        try {
            String userAndPassword = new String(decoded, StandardCharsets.UTF_8);
            int colon = userAndPassword.indexOf(':');
            if (colon <= 0) {
                throw new EnvironmentException("ECR in " + region + " returned a token that is not user:password for " + ref.registry());
            }
            return new RegistryCredentials(userAndPassword.substring(0, colon), userAndPassword.substring(colon + 1).toCharArray(), origin);
        } finally {
            Arrays.fill(decoded, (byte) 0);
        }
    }
}
