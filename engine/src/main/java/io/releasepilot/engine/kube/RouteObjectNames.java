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
    private static final String SUFFIX = "-canary";

    private RouteObjectNames() {
    }

    /**
     * {@code <ingress>-<deployment>-canary}; a name that would pass 253 characters is cut and given
     * 10 hex digits of the SHA-256 of the full name, so it stays unique and within the limit.
     */
    static String canaryIngress(String ingress, String deployment) {
        String full = ingress + "-" + deployment + SUFFIX;
        if (full.length() <= MAX_NAME) {
            return full;
        }
        String hash = "-" + sha256(full).substring(0, 10);
        String head = full.substring(0, MAX_NAME - hash.length() - SUFFIX.length());
        // A subdomain's parts must end with a letter or digit.
        head = head.replaceAll("[.-]+$", "");
        return head + hash + SUFFIX;
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
