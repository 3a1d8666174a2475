package io.jenkins.plugins.releasepilot;

import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;

/** The kinds of Jenkins credentials Release Pilot reads, with the names messages give them. */
enum CredentialKind {
    USERNAME_PASSWORD(StandardUsernamePasswordCredentials.class, "username with password"),
    SECRET_TEXT(StringCredentials.class, "secret text"),
    SECRET_FILE(FileCredentials.class, "secret file");

    final Class<? extends StandardCredentials> type;
    final String label;

    CredentialKind(Class<? extends StandardCredentials> type, String label) {
        this.type = type;
        this.label = label;
    }

    /** How a message names the kind of a credential that was found, e.g. "secret text" or "SSH Username with private key". */
    static String describe(StandardCredentials credentials) {
        for (CredentialKind kind : values()) {
            if (kind.type.isInstance(credentials)) {
                return kind.label;
            }
        }
        return credentials.getDescriptor().getDisplayName();
    }
}
