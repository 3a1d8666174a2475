package io.jenkins.plugins.releasepilot;

import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.init.Terminator;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.CheckpointSigner;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;

/**
 * The one audit store of this controller, opened on first use from {@link ReleasePilotConfiguration}
 * and shared by every step. A configuration change makes the next act open a new store; acts
 * still running keep the one they started with (closing it under them would lose their records),
 * and every store opened is closed when Jenkins shuts down.
 */
public final class AuditTrail {

    private static final Logger LOGGER = Logger.getLogger(AuditTrail.class.getName());
    private static final AuditTrail INSTANCE = new AuditTrail();
    static final String KEY_FORM = "credentials holding an Ed25519 PRIVATE KEY in PEM (PKCS#8), e.g. from 'openssl genpkey -algorithm ed25519'";

    private final List<AuditStore> opened = new ArrayList<>();
    private AuditStore current;

    private AuditTrail() {
    }

    static AuditTrail get() {
        return INSTANCE;
    }

    /** The store acts append to now. Opening it may contact a database: never call this on the CPS VM thread. */
    synchronized AuditStore store() throws IOException {
        if (current == null) {
            current = open(ReleasePilotConfiguration.get());
            opened.add(current);
        }
        return current;
    }

    /** Forgets the current store, so the next act opens one from the configuration as it is now. */
    synchronized void reset() {
        current = null;
    }

    @Terminator
    public static void closeAll() {
        INSTANCE.close();
    }

    private synchronized void close() {
        for (AuditStore store : opened) {
            try {
                store.close();
            } catch (RuntimeException e) {
                LOGGER.log(Level.WARNING, "could not close the audit store " + store.location(), e);
            }
        }
        opened.clear();
        current = null;
    }

    private static AuditStore open(ReleasePilotConfiguration config) throws IOException {
        AuditStores.Config storeConfig = new AuditStores.Config(config.auditStoreLocation());
        if (config.getAuditStoreCredentialsId() != null) {
            StandardUsernamePasswordCredentials login = CredentialLookup.forSystem("auditStoreCredentialsId",
                    config.getAuditStoreCredentialsId(), CredentialKind.USERNAME_PASSWORD);
            storeConfig = storeConfig.withCredentials(login.getUsername(), login.getPassword().getPlainText().toCharArray());
        }
        if (config.getSigningKeyCredentialsId() != null) {
            PrivateKey key = signingKey(config.getSigningKeyCredentialsId());
            storeConfig = storeConfig.withSigner(new CheckpointSigner(key, CheckpointSigner.DEFAULT_INTERVAL));
        }
        return EngineClassLoading.call(AuditStores::open, storeConfig);
    }

    /** The checkpoint key from a secret file or secret text credential; kept in memory only, never beside the store. */
    static PrivateKey signingKey(String id) throws IOException {
        StandardCredentials found = CredentialLookup.forSystem("signingKeyCredentialsId", id, CredentialKind.SECRET_FILE,
                CredentialKind.SECRET_TEXT);
        String pem;
        if (found instanceof FileCredentials file) {
            try (InputStream in = file.getContent()) {
                pem = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            }
        } else {
            pem = ((StringCredentials) found).getSecret().getPlainText();
        }
        String body = pem.replace("-----BEGIN PRIVATE KEY-----", "").replace("-----END PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("Ed25519").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new InvalidInputException("signingKeyCredentialsId", id, KEY_FORM);
        }
    }
}
