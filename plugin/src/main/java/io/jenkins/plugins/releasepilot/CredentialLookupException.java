package io.jenkins.plugins.releasepilot;

import hudson.AbortException;

/**
 * A credentials id a step or the global configuration names cannot be used: there is no such
 * credential where the build can see it, or it is of another kind than the parameter takes. The
 * message names the parameter, the id and the kinds; it fails the build without a stack trace.
 */
public final class CredentialLookupException extends AbortException {

    private static final long serialVersionUID = 1L;

    private CredentialLookupException(String message) {
        super(message);
    }

    static CredentialLookupException missing(String parameter, String id, String expected) {
        return new CredentialLookupException(parameter + ": no credentials with id '" + id + "' are visible to this build; expected "
                + expected);
    }

    static CredentialLookupException wrongType(String parameter, String id, String expected, String actual) {
        return new CredentialLookupException(parameter + ": credentials '" + id + "' are " + actual + "; expected " + expected);
    }
}
