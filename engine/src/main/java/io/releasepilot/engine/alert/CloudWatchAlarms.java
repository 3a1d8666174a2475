package io.releasepilot.engine.alert;

import io.releasepilot.engine.EnvironmentException;
import io.releasepilot.engine.InvalidInputException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.AlarmType;
import software.amazon.awssdk.services.cloudwatch.model.CompositeAlarm;
import software.amazon.awssdk.services.cloudwatch.model.DescribeAlarmsRequest;
import software.amazon.awssdk.services.cloudwatch.model.DescribeAlarmsResponse;
import software.amazon.awssdk.services.cloudwatch.model.Dimension;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatch.model.StateValue;

/**
 * CloudWatch alarms (metric or composite) by name: an alarm in state {@code ALARM} is firing.
 * Credentials and region come from the AWS SDK's default chains (environment, profile, role).
 */
public final class CloudWatchAlarms implements AlertSource {

    public static final String NAME_FORM = "a CloudWatch alarm name: 1-255 characters, no control characters";
    /** DescribeAlarms takes at most this many names in one call. */
    private static final int MAX_NAMES = 100;

    private final CloudWatchClient client;
    private final boolean ownsClient;
    private final List<String> alarmNames;

    private CloudWatchAlarms(CloudWatchClient client, boolean ownsClient, List<String> alarmNames) {
        this.client = client;
        this.ownsClient = ownsClient;
        this.alarmNames = alarmNames;
    }

    /** Checks alarm names as a person gave them. */
    public static List<String> validateNames(List<String> names) {
        if (names.isEmpty()) {
            throw new InvalidInputException("cloudwatch-alarm", null, NAME_FORM);
        }
        if (names.size() > MAX_NAMES) {
            throw new InvalidInputException("cloudwatch-alarm", names.size() + " names", "at most " + MAX_NAMES + " alarm names");
        }
        Set<String> unique = new LinkedHashSet<>();
        for (String name : names) {
            if (name == null || name.isEmpty() || name.length() > 255 || name.chars().anyMatch(Character::isISOControl)) {
                throw new InvalidInputException("cloudwatch-alarm", name, NAME_FORM);
            }
            unique.add(name);
        }
        return List.copyOf(unique);
    }

    /** Alarms read through a client the caller owns (and closes). */
    public static CloudWatchAlarms of(List<String> alarmNames, CloudWatchClient client) {
        return new CloudWatchAlarms(client, false, validateNames(alarmNames));
    }

    /**
     * Alarms read through a client made from the SDK's default region and credentials chains;
     * closed with this source.
     *
     * @param timeout how long one call may take
     */
    public static CloudWatchAlarms connect(List<String> alarmNames, Duration timeout) {
        List<String> names = validateNames(alarmNames);
        CloudWatchClient client;
        try {
            client = CloudWatchClient.builder()
                    .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(timeout).socketTimeout(timeout).build())
                    .overrideConfiguration(c -> c.apiCallTimeout(timeout))
                    .build();
        } catch (SdkException e) {
            throw new EnvironmentException("cannot make a CloudWatch client (set AWS_REGION, or a region in the AWS profile): "
                    + e.getMessage(), e);
        }
        return new CloudWatchAlarms(client, true, names);
    }

    @Override
    public String describe() {
        return "cloudwatch alarms " + String.join(", ", alarmNames);
    }

    @Override
    public void check() throws AlertSourceException {
        DescribeAlarmsResponse response = describe(alarmNames);
        Set<String> missing = new LinkedHashSet<>(alarmNames);
        response.metricAlarms().forEach(a -> missing.remove(a.alarmName()));
        response.compositeAlarms().forEach(a -> missing.remove(a.alarmName()));
        if (!missing.isEmpty()) {
            throw new InvalidInputException("cloudwatch-alarm", String.join(", ", missing),
                    "the name of an alarm that exists in this account and region (CloudWatch does not know it)");
        }
    }

    @Override
    public List<FiringAlert> firing() throws AlertSourceException {
        DescribeAlarmsResponse response = describe(alarmNames);
        List<FiringAlert> firing = new ArrayList<>();
        for (MetricAlarm alarm : response.metricAlarms()) {
            if (alarm.stateValue() == StateValue.ALARM) {
                TreeMap<String, String> labels = new TreeMap<>();
                if (alarm.namespace() != null) {
                    labels.put("namespace", alarm.namespace());
                }
                if (alarm.metricName() != null) {
                    labels.put("metric", alarm.metricName());
                }
                for (Dimension d : alarm.dimensions()) {
                    labels.put(d.name(), d.value());
                }
                firing.add(new FiringAlert(alarm.alarmName(), labels, alarm.stateReason(), alarm.stateUpdatedTimestamp()));
            }
        }
        for (CompositeAlarm alarm : response.compositeAlarms()) {
            if (alarm.stateValue() == StateValue.ALARM) {
                firing.add(new FiringAlert(alarm.alarmName(), new TreeMap<>(), alarm.stateReason(), alarm.stateUpdatedTimestamp()));
            }
        }
        return firing;
    }

    private DescribeAlarmsResponse describe(List<String> names) throws AlertSourceException {
        try {
            return client.describeAlarms(DescribeAlarmsRequest.builder()
                    .alarmNames(names)
                    .alarmTypes(AlarmType.METRIC_ALARM, AlarmType.COMPOSITE_ALARM)
                    .build());
        } catch (SdkException e) {
            throw new AlertSourceException("CloudWatch DescribeAlarms failed: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }
}
