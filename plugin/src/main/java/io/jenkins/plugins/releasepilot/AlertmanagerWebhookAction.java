package io.jenkins.plugins.releasepilot;

import hudson.Extension;
import hudson.model.UnprotectedRootAction;
import hudson.security.csrf.CrumbExclusion;
import io.releasepilot.engine.alert.AlertmanagerWebhook;
import io.releasepilot.engine.alert.Wakeup;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.logging.Logger;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.StaplerResponse2;
import org.kohsuke.stapler.verb.POST;

/**
 * Push mode for rollbackOnAlert: Alertmanager posts to {@code JENKINS_URL/release-pilot-alertmanager/}
 * and every watch running in this controller (Pipeline and freestyle) observes its source at once
 * instead of at its next poll. Alertmanager is no Jenkins user, so the URL is outside Jenkins's
 * permissions; instead every request must carry {@code Authorization: Bearer <token>}, the secret
 * text the global configuration names, compared in constant time by the engine's receiver. A push
 * only wakes the watches: they still read the source themselves, so a forged payload cannot roll
 * anything back.
 */
@Extension
public class AlertmanagerWebhookAction implements UnprotectedRootAction {

    static final String URL_NAME = "release-pilot-alertmanager";
    private static final Logger LOGGER = Logger.getLogger(AlertmanagerWebhookAction.class.getName());
    private static final int MAX_BODY_BYTES = 1 << 20;
    /** The one wake-up every watch of this controller listens to. */
    private static final Wakeup WAKEUP = new Wakeup();

    static Wakeup wakeup() {
        return WAKEUP;
    }

    @Override
    public String getIconFileName() {
        return null;
    }

    @Override
    public String getDisplayName() {
        return "Release Pilot Alertmanager webhook";
    }

    @Override
    public String getUrlName() {
        return URL_NAME;
    }

    @POST
    public void doIndex(StaplerRequest2 req, StaplerResponse2 rsp) throws IOException {
        AlertmanagerWebhook.Reply reply;
        char[] token = token();
        if (token == null) {
            reply = new AlertmanagerWebhook.Reply(404,
                    "{\"error\":\"the Alertmanager webhook is off: no webhook token is set in the Release Pilot configuration\"}");
        } else {
            byte[] body;
            try (InputStream in = req.getInputStream()) {
                body = in.readNBytes(MAX_BODY_BYTES + 1);
            }
            reply = AlertmanagerWebhook.handler(token, WAKEUP, line -> LOGGER.info(line)).handle(req.getHeader("Authorization"), body);
        }
        if (reply.status() == 401) {
            rsp.setHeader("WWW-Authenticate", "Bearer");
        }
        rsp.setStatus(reply.status());
        rsp.setContentType("application/json; charset=utf-8");
        try (OutputStream out = rsp.getOutputStream()) {
            out.write(reply.json().getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * Alertmanager cannot fetch a CSRF crumb: the webhook is exempt, which is safe because it
     * needs the bearer token instead (a browser tricked into posting here has no token to send).
     */
    @Extension
    public static class CrumbExempt extends CrumbExclusion {
        @Override
        public boolean process(HttpServletRequest req, HttpServletResponse rsp, FilterChain chain) throws IOException, ServletException {
            String path = req.getPathInfo();
            if (path != null && (path.equals("/" + URL_NAME) || path.equals("/" + URL_NAME + "/"))) {
                chain.doFilter(req, rsp);
                return true;
            }
            return false;
        }
    }

    /** The configured token, read from the credentials store on each request (so a rotated token applies at once). */
    private static char[] token() throws IOException {
        String id = ReleasePilotConfiguration.get().getWebhookTokenCredentialsId();
        if (id == null) {
            return null;
        }
        StringCredentials secret = CredentialLookup.forSystem("webhookTokenCredentialsId", id, CredentialKind.SECRET_TEXT);
        return secret.getSecret().getPlainText().toCharArray();
    }
}
