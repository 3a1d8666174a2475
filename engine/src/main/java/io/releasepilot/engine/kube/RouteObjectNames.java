package io.releasepilot.engine.kube;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names of the route objects a canary adds beside a shared one. They carry the Deployment's name,
 * so two Deployments behind one Ingress get two canary Ingresses instead of fighting over one.
 */
final class RouteObjectNames {

    /** Ingress names are DNS-1123 subdomains. */
    static final int MAX_NAME = 253;
    /** Service names are DNS-1035 labels; label values are at most as long. */
    static final int MAX_LABEL = 63;
    private static final String SUFFIX = "-canary";

    private RouteObjectNames() {
    }

    /**
     * {@code <ingress>-<deployment>-canary}; a name that would pass 253 characters is cut and given
     * 10 hex digits of the SHA-256 of the full name, so it stays unique and within the limit.
     */
    static String canaryIngress(String ingress, String deployment) {
        return bounded(ingress + "-" + deployment, SUFFIX, MAX_NAME);
    }

    /** The canary-only Service, {@code <deployment>-canary}, cut and hashed past 63 characters. */
    static String canaryService(String deployment) {
        return bounded(deployment, SUFFIX, MAX_LABEL);
    }

    /** The value of the {@code releasepilot.io/canary-of} label: the Deployment's name, cut and hashed past 63 characters. */
    static String canaryOfValue(String deployment) {
        return bounded(deployment, "", MAX_LABEL);
    }

    private static String bounded(String head, String suffix, int max) {
        String full = head + suffix;
        if (full.length() <= max) {
            return full;
        }
        String hash = "-" + sha256(full).substring(0, 10);
        // Every part of a name must end with a letter or digit.
        String cut = head.substring(0, max - hash.length() - suffix.length()).replaceAll("[.-]+$", "");
        return cut + hash + suffix;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
