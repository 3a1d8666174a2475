package io.releasepilot.engine.snapshot;

import io.releasepilot.engine.InvalidInputException;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.BackoffStrategy;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;

/**
 * How to reach AWS: region, credentials (the SDK's default chain, or static / session keys the
 * host holds), an optional role to assume through STS, and endpoint overrides for tests against a
 * simulated AWS. Keys are held as characters and never shown by {@link #toString()}.
 */
public final class AwsAccess {

    public static final String REGION_FORM = "an AWS region such as eu-west-1 or us-gov-west-1";
    public static final String ROLE_FORM = "an IAM role ARN such as arn:aws:iam::123456789012:role/release-pilot";
    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
    private static final Pattern ROLE_ARN = Pattern.compile("arn:aws[a-z-]*:iam::\\d{12}:role/[\\w+=,.@/-]{1,512}");
    /** Throttled calls are retried with backoff this many times in all before the step gives up. */
    static final int MAX_API_ATTEMPTS = 8;

    private final String region;
    private final String accessKeyId;
    private final char[] secretAccessKey;
    private final char[] sessionToken;
    private final String roleArn;
    private final URI rdsEndpoint;
    private final URI stsEndpoint;
    private final Duration retryBaseDelay;

    private AwsAccess(String region, String accessKeyId, char[] secretAccessKey, char[] sessionToken, String roleArn,
                      URI rdsEndpoint, URI stsEndpoint, Duration retryBaseDelay) {
        if (region == null || !REGION.matcher(region).matches()) {
            throw new InvalidInputException("region", region, REGION_FORM);
        }
        if (roleArn != null && !ROLE_ARN.matcher(roleArn).matches()) {
            throw new InvalidInputException("role-arn", roleArn, ROLE_FORM);
        }
        this.region = region;
        this.accessKeyId = accessKeyId;
        this.secretAccessKey = secretAccessKey;
        this.sessionToken = sessionToken;
        this.roleArn = roleArn;
        this.rdsEndpoint = rdsEndpoint;
        this.stsEndpoint = stsEndpoint;
        this.retryBaseDelay = retryBaseDelay;
    }

    /** Credentials from the SDK's default chain (environment, system properties, profile, container, instance). */
    public static AwsAccess defaultChain(String region) {
        return new AwsAccess(region, null, null, null, null, null, null, Duration.ofMillis(500));
    }

    /** Long-term keys, or temporary ones when {@code sessionToken} is not null. */
    public static AwsAccess keys(String region, String accessKeyId, char[] secretAccessKey, char[] sessionToken) {
        if (accessKeyId == null || accessKeyId.isBlank()) {
            throw new InvalidInputException("access-key-id", accessKeyId, "an AWS access key id such as AKIA…");
        }
        if (secretAccessKey == null || secretAccessKey.length == 0) {
            throw new InvalidInputException("secret-access-key", null, "the secret access key of " + accessKeyId);
        }
        return new AwsAccess(region, accessKeyId.strip(), secretAccessKey.clone(),
                sessionToken == null || sessionToken.length == 0 ? null : sessionToken.clone(), null, null, null, Duration.ofMillis(500));
    }

    /** The same access, then assuming {@code roleArn} through STS (null: no role). */
    public AwsAccess assumingRole(String roleArn) {
        return new AwsAccess(region, accessKeyId, secretAccessKey, sessionToken, roleArn, rdsEndpoint, stsEndpoint, retryBaseDelay);
    }

    /** Sends RDS and STS calls to these endpoints instead of AWS (tests against a simulated AWS). */
    public AwsAccess withEndpoints(URI rds, URI sts) {
        return new AwsAccess(region, accessKeyId, secretAccessKey, sessionToken, roleArn, rds, sts, retryBaseDelay);
    }

    /** The first pause before retrying a throttled call (it doubles from there). */
    public AwsAccess withRetryBaseDelay(Duration baseDelay) {
        return new AwsAccess(region, accessKeyId, secretAccessKey, sessionToken, roleArn, rdsEndpoint, stsEndpoint,
                Objects.requireNonNull(baseDelay, "baseDelay"));
    }

    public String region() {
        return region;
    }

    public String roleArn() {
        return roleArn;
    }

    /** Where RDS calls go, for messages: the override or the regional AWS endpoint. */
    public String rdsEndpointForMessages() {
        if (rdsEndpoint != null) {
            return rdsEndpoint.toString();
        }
        // The SDK honours these too (AWS's "service-specific endpoints" settings).
        for (String configured : new String[] {System.getProperty("aws.endpointUrlRds"), System.getenv("AWS_ENDPOINT_URL_RDS"),
            System.getProperty("aws.endpointUrl"), System.getenv("AWS_ENDPOINT_URL")}) {
            if (configured != null && !configured.isBlank()) {
                return configured;
            }
        }
        return "rds." + region + ".amazonaws.com";
    }

    RdsClient rdsClient() {
        var builder = RdsClient.builder()
                .region(Region.of(region))
                .credentialsProvider(credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)))
                .overrideConfiguration(c -> c.retryStrategy(retryStrategy()));
        if (rdsEndpoint != null) {
            builder.endpointOverride(rdsEndpoint);
        }
        return builder.build();
    }

    private RetryStrategy retryStrategy() {
        return AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(MAX_API_ATTEMPTS)
                .backoffStrategy(BackoffStrategy.exponentialDelay(retryBaseDelay, Duration.ofSeconds(20)))
                .throttlingBackoffStrategy(BackoffStrategy.exponentialDelay(retryBaseDelay, Duration.ofSeconds(20)))
                .build();
    }

    private AwsCredentialsProvider credentials() {
        AwsCredentialsProvider base = baseCredentials();
        if (roleArn == null) {
            return base;
        }
        var sts = StsClient.builder()
                .region(Region.of(region))
                .credentialsProvider(base)
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofSeconds(10)))
                .overrideConfiguration(c -> c.retryStrategy(retryStrategy()));
        if (stsEndpoint != null) {
            sts.endpointOverride(stsEndpoint);
        }
        return StsAssumeRoleCredentialsProvider.builder()
                .stsClient(sts.build())
                .refreshRequest(r -> r.roleArn(roleArn).roleSessionName("release-pilot").durationSeconds(3600))
                .build();
    }

    private AwsCredentialsProvider baseCredentials() {
        if (accessKeyId == null) {
            return DefaultCredentialsProvider.builder().build();
        }
        String secret = new String(secretAccessKey);
        return StaticCredentialsProvider.create(sessionToken == null
                ? AwsBasicCredentials.create(accessKeyId, secret)
                : AwsSessionCredentials.create(accessKeyId, secret, new String(sessionToken)));
    }

    @Override
    public String toString() {
        return "AwsAccess[region=" + region + ", credentials=" + (accessKeyId == null ? "default chain"
                : (sessionToken == null ? "keys of " : "session keys of ") + accessKeyId)
                + (roleArn == null ? "" : ", role=" + roleArn) + "]";
    }
}
