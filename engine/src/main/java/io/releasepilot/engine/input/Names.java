package io.releasepilot.engine.input;

import io.releasepilot.engine.InvalidInputException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Validation of the names every step shares: services, environments, Kubernetes objects. */
public final class Names {

    public static final String SERVICE_FORM =
            "1-253 characters of lower-case letters, digits, '-' and '.', starting and ending with a letter or digit";
    public static final String ENVIRONMENT_FORM =
            "1-32 characters of letters, digits, '_' and '-', starting with a letter (e.g. INT, UAT, PROD)";
    public static final String DNS_LABEL_FORM =
            "a DNS-1123 label: 1-63 characters of lower-case letters, digits and '-', starting and ending with a letter or digit";
    public static final String DNS_SUBDOMAIN_FORM =
            "a DNS-1123 subdomain: 1-253 characters of lower-case letters, digits, '-' and '.', starting and ending with a letter or digit";

    private static final Pattern DNS_SUBDOMAIN =
            Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    private static final Pattern ENVIRONMENT = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,31}");

    private Names() {
    }

    /** A logical service name: the same form as a Kubernetes object name. */
    public static String service(String value) {
        return dnsSubdomain("service", value, SERVICE_FORM);
    }

    /** An environment name, normalised to upper case so {@code prod} and {@code PROD} are one cell. */
    public static String environment(String value) {
        if (value == null || !ENVIRONMENT.matcher(value).matches()) {
            throw new InvalidInputException("environment", value, ENVIRONMENT_FORM);
        }
        return value.toUpperCase(Locale.ROOT);
    }

    /** A Kubernetes namespace, container or Service name (DNS-1123 label). */
    public static String dnsLabel(String parameter, String value) {
        if (value == null || value.length() > 63 || !DNS_LABEL.matcher(value).matches()) {
            throw new InvalidInputException(parameter, value, DNS_LABEL_FORM);
        }
        return value;
    }

    /** A Kubernetes object name such as a Deployment (DNS-1123 subdomain). */
    public static String dnsSubdomain(String parameter, String value) {
        return dnsSubdomain(parameter, value, DNS_SUBDOMAIN_FORM);
    }

    private static String dnsSubdomain(String parameter, String value, String form) {
        if (value == null || value.length() > 253 || !DNS_SUBDOMAIN.matcher(value).matches()) {
            throw new InvalidInputException(parameter, value, form);
        }
        return value;
    }

    /** Free text that must say something, such as a reason. */
    public static String nonBlank(String parameter, String value, String acceptedForm) {
        if (value == null || value.isBlank()) {
            throw new InvalidInputException(parameter, value, acceptedForm);
        }
        return value.strip();
    }
}
