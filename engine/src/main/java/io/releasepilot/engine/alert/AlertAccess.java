package io.releasepilot.engine.alert;

import io.releasepilot.engine.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How the watch reaches one HTTP alert server: its {@link HttpAuth} and, for https with a private
 * CA, the CA certificates (PEM) to trust instead of the JVM's. Built by the host from its secrets
 * (the CLI's token files, a Jenkins credential); never logged, never in {@link #toString()}.
 */
public final class AlertAccess {

    private static final AlertAccess NONE = new AlertAccess(HttpAuth.none(), List.of());

    private final HttpAuth auth;
    private final List<Certificate> trusted;

    private AlertAccess(HttpAuth auth, List<Certificate> trusted) {
        this.auth = Objects.requireNonNull(auth, "auth");
        this.trusted = List.copyOf(trusted);
    }

    /** No authentication; https trusts the JVM's CAs. */
    public static AlertAccess none() {
        return NONE;
    }

    public static AlertAccess of(HttpAuth auth) {
        return new AlertAccess(auth, List.of());
    }

    /**
     * The same access, trusting only the CA certificates in {@code pem} for https (one or more
     * {@code -----BEGIN CERTIFICATE-----} blocks, as {@code --alert-ca-file} holds them).
     */
    public AlertAccess withCaCertificates(byte[] pem) {
        Collection<? extends Certificate> certificates;
        try {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
        } catch (CertificateException e) {
            throw new InvalidInputException("alert-ca-file", "(" + pem.length + " bytes)", "PEM X.509 CA certificates (" + e.getMessage() + ")");
        }
        if (certificates.isEmpty()) {
            throw new InvalidInputException("alert-ca-file", "(" + pem.length + " bytes)",
                    "at least one PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return new AlertAccess(auth, new ArrayList<>(certificates));
    }

    public HttpAuth auth() {
        return auth;
    }

    /** Whether https trusts a CA of its own rather than the JVM's. */
    public boolean hasCustomCa() {
        return !trusted.isEmpty();
    }

    /** The TLS context trusting only the given CAs; null to use the JVM's default. */
    SSLContext sslContext() {
        if (trusted.isEmpty()) {
            return null;
        }
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < trusted.size(); i++) {
                store.setCertificateEntry("ca-" + i, trusted.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, factory.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("the JVM cannot make a TLS context from valid certificates", e);
        }
    }

    /** For console lines: how the server is reached, without any secret. */
    public String describe() {
        return auth.describe() + (trusted.isEmpty() ? "" : ", " + trusted.size() + " custom CA certificate(s)");
    }

    @Override
    public String toString() {
        return "AlertAccess[" + describe() + "]";
    }
}
