package io.jenkins.plugins.releasepilot;

import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import hudson.model.Run;
import hudson.security.ACL;
import java.util.List;
import jenkins.model.Jenkins;

/**
 * Finds credentials by id the way credentials-binding does: in the build's context for steps
 * (then tracked, so the credential's usage page lists the build), in Jenkins's own context for
 * the global configuration. A missing or other-kind credential fails with a message naming the
 * parameter, the id and the kind expected.
 */
final class CredentialLookup {

    private CredentialLookup() {
    }

    /** A credential a step names, looked up as the build sees it and tracked against the build. */
    static <C extends StandardCredentials> C forBuild(Run<?, ?> run, String parameter, String id, CredentialKind kind)
            throws CredentialLookupException {
        StandardCredentials found = CredentialsProvider.findCredentialById(id, StandardCredentials.class, run);
        C credentials = require(found, parameter, id, kind);
        return CredentialsProvider.track(run, credentials);
    }

    /** A credential a step names that may be of either of two kinds (a bearer token or a login), tracked against the build. */
    static StandardCredentials forBuildEither(Run<?, ?> run, String parameter, String id, CredentialKind first, CredentialKind second)
            throws CredentialLookupException {
        StandardCredentials found = CredentialsProvider.findCredentialById(id, StandardCredentials.class, run);
        return CredentialsProvider.track(run, requireEither(found, parameter, id, first, second));
    }

    /** A credential the global configuration names, from Jenkins's own (system) credentials. */
    static <C extends StandardCredentials> C forSystem(String parameter, String id, CredentialKind kind) throws CredentialLookupException {
        return require(system(id), parameter, id, kind);
    }

    /** A system credential that may be of any of several kinds (a key as a secret file or as secret text). */
    static StandardCredentials forSystem(String parameter, String id, CredentialKind first, CredentialKind second)
            throws CredentialLookupException {
        return requireEither(system(id), parameter, id, first, second);
    }

    private static StandardCredentials requireEither(StandardCredentials found, String parameter, String id, CredentialKind first,
                                                     CredentialKind second) throws CredentialLookupException {
        String expected = first.label + " or " + second.label;
        if (found == null) {
            throw CredentialLookupException.missing(parameter, id, expected);
        }
        if (!first.type.isInstance(found) && !second.type.isInstance(found)) {
            throw CredentialLookupException.wrongType(parameter, id, expected, CredentialKind.describe(found));
        }
        return found;
    }

    private static StandardCredentials system(String id) {
        List<StandardCredentials> all = CredentialsProvider.lookupCredentialsInItemGroup(StandardCredentials.class, Jenkins.get(),
                ACL.SYSTEM2, List.of());
        return CredentialsMatchers.firstOrNull(all, CredentialsMatchers.withId(id));
    }

    @SuppressWarnings("unchecked")
    private static <C extends StandardCredentials> C require(StandardCredentials found, String parameter, String id, CredentialKind kind)
            throws CredentialLookupException {
        if (found == null) {
            throw CredentialLookupException.missing(parameter, id, kind.label);
        }
        if (!kind.type.isInstance(found)) {
            throw CredentialLookupException.wrongType(parameter, id, kind.label, CredentialKind.describe(found));
        }
        return (C) found;
    }
}
