package io.jenkins.plugins.releasepilot;

import hudson.model.Cause;
import hudson.model.Run;
import hudson.security.ACL;
import io.releasepilot.engine.host.Origin;
import jenkins.model.Jenkins;

/**
 * Who acts and from where, as the audit trail records it: the Jenkins user who started the build
 * (through upstream builds too), else Jenkins itself ({@code SYSTEM}); and the build's URL.
 */
final class BuildOrigin {

    private BuildOrigin() {
    }

    static Origin of(Run<?, ?> run) {
        return new Origin(actor(run), url(run));
    }

    /** The build's absolute URL, or a {@code jenkins:} URL of its path when no root URL is configured. */
    static String url(Run<?, ?> run) {
        String root = Jenkins.get().getRootUrl();
        return (root != null ? root : "jenkins:///") + run.getUrl();
    }

    private static String actor(Run<?, ?> run) {
        for (Cause cause : run.getCauses()) {
            if (cause instanceof Cause.UserIdCause user && user.getUserId() != null) {
                return user.getUserId();
            }
            if (cause instanceof Cause.UpstreamCause upstream && upstream.getUpstreamRun() != null) {
                String upstreamActor = actor(upstream.getUpstreamRun());
                if (!ACL.SYSTEM_USERNAME.equals(upstreamActor)) {
                    return upstreamActor;
                }
            }
        }
        return ACL.SYSTEM_USERNAME;
    }
}
