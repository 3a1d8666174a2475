package io.jenkins.plugins.releasepilot;

import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import edu.umd.cs.findbugs.annotations.NonNull;
import hudson.Extension;
import hudson.security.ACL;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.release.Lifecycle;
import java.io.File;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import jenkins.model.GlobalConfiguration;
import jenkins.model.Jenkins;
import net.sf.json.JSONObject;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.StaplerRequest2;
import org.kohsuke.stapler.verb.POST;

/**
 * Release Pilot's settings for the whole controller, under Manage Jenkins → System, and in JCasC as
 * {@code unclassified: releasePilot: ...}: where the audit trail lives, the lifecycle of
 * environments, the default alert sources of rollbackOnAlert, and the key that signs checkpoints.
 * Only credential ids are kept here; the secrets stay in the credentials store.
 */
@Extension
@Symbol("releasePilot")
public class ReleasePilotConfiguration extends GlobalConfiguration {

    /** The directory under JENKINS_HOME of the default embedded (SQLite) audit store. */
    public static final String DEFAULT_STORE_DIRECTORY = "release-pilot";

    private String auditStoreUrl;
    private String auditStoreCredentialsId;
    private String environments = String.join(",", Lifecycle.DEFAULT.environments());
    private String prometheusUrl;
    private String alertmanagerUrl;
    private String alertCredentialsId;
    private String signingKeyCredentialsId;

    public ReleasePilotConfiguration() {
        load();
    }

    public static ReleasePilotConfiguration get() {
        return GlobalConfiguration.all().getInstance(ReleasePilotConfiguration.class);
    }

    /** A PostgreSQL (or SQLite) JDBC URL; empty for the embedded store in {@code $JENKINS_HOME/release-pilot/}. */
    public String getAuditStoreUrl() {
        return auditStoreUrl;
    }

    @DataBoundSetter
    public void setAuditStoreUrl(String auditStoreUrl) {
        this.auditStoreUrl = blankToNull(auditStoreUrl);
        changed();
    }

    /** Username/password credentials of the PostgreSQL audit store. */
    public String getAuditStoreCredentialsId() {
        return auditStoreCredentialsId;
    }

    @DataBoundSetter
    public void setAuditStoreCredentialsId(String auditStoreCredentialsId) {
        this.auditStoreCredentialsId = blankToNull(auditStoreCredentialsId);
        changed();
    }

    /** The environments in promotion order, comma-separated, e.g. {@code INT,UAT,PROD}. */
    public String getEnvironments() {
        return environments;
    }

    @DataBoundSetter
    public void setEnvironments(String environments) {
        this.environments = String.join(",", Lifecycle.parse(environments).environments());
        save();
    }

    /** Prometheus rollbackOnAlert asks for alerts when a step names no source. */
    public String getPrometheusUrl() {
        return prometheusUrl;
    }

    @DataBoundSetter
    public void setPrometheusUrl(String prometheusUrl) {
        this.prometheusUrl = checkedUrl("prometheusUrl", prometheusUrl);
        save();
    }

    /** Alertmanager rollbackOnAlert asks for alerts when a step names no source. */
    public String getAlertmanagerUrl() {
        return alertmanagerUrl;
    }

    @DataBoundSetter
    public void setAlertmanagerUrl(String alertmanagerUrl) {
        this.alertmanagerUrl = checkedUrl("alertmanagerUrl", alertmanagerUrl);
        save();
    }

    /** Secret text: the bearer token for the default Prometheus / Alertmanager. */
    public String getAlertCredentialsId() {
        return alertCredentialsId;
    }

    @DataBoundSetter
    public void setAlertCredentialsId(String alertCredentialsId) {
        this.alertCredentialsId = blankToNull(alertCredentialsId);
        save();
    }

    /** Secret file or secret text holding the Ed25519 private key (PEM) that signs audit checkpoints. */
    public String getSigningKeyCredentialsId() {
        return signingKeyCredentialsId;
    }

    @DataBoundSetter
    public void setSigningKeyCredentialsId(String signingKeyCredentialsId) {
        this.signingKeyCredentialsId = blankToNull(signingKeyCredentialsId);
        changed();
    }

    /** The lifecycle the deploy steps gate on. */
    public Lifecycle lifecycle() {
        return Lifecycle.parse(environments);
    }

    /** Where the audit store is: the JDBC URL given, or the embedded store's directory. */
    public String auditStoreLocation() {
        return auditStoreUrl != null ? auditStoreUrl : defaultStoreDirectory().getPath();
    }

    static File defaultStoreDirectory() {
        return new File(Jenkins.get().getRootDir(), DEFAULT_STORE_DIRECTORY);
    }

    @Override
    public boolean configure(StaplerRequest2 req, JSONObject json) throws FormException {
        // Fields left empty in the form are absent from the JSON: clear them first, then bind.
        auditStoreUrl = null;
        auditStoreCredentialsId = null;
        prometheusUrl = null;
        alertmanagerUrl = null;
        alertCredentialsId = null;
        signingKeyCredentialsId = null;
        try {
            req.bindJSON(this, json);
        } catch (InvalidInputException e) {
            throw new FormException(e.getMessage(), e, e.parameter());
        }
        changed();
        return true;
    }

    /** Saves, and makes the next act open the audit store anew with the new location, login or key. */
    private void changed() {
        save();
        AuditTrail.get().reset();
    }

    static final String URL_FORM = "an http or https URL such as http://prometheus:9090, with no user:password in it";

    /** An alert source URL; one with user:password in it is refused (and not echoed): passwords belong in a credential. */
    static String checkedUrl(String parameter, String value) {
        String url = blankToNull(value);
        if (url == null) {
            return null;
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new InvalidInputException(parameter, url, URL_FORM);
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidInputException(parameter, uri.getScheme() + "://****@" + uri.getHost(), URL_FORM);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null || uri.getQuery() != null) {
            throw new InvalidInputException(parameter, url, URL_FORM);
        }
        return url;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    @POST
    public FormValidation doCheckAuditStoreUrl(@QueryParameter String value) {
        Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        String url = blankToNull(value);
        if (url == null) {
            return FormValidation.ok("Embedded SQLite store in " + defaultStoreDirectory());
        }
        String lower = url.toLowerCase(Locale.ROOT);
        if (!lower.startsWith("jdbc:postgresql://") && !lower.startsWith("jdbc:sqlite:")) {
            return FormValidation.error("Expected a JDBC URL starting with jdbc:postgresql:// or jdbc:sqlite:, or nothing for the embedded store");
        }
        return FormValidation.ok();
    }

    @POST
    public FormValidation doCheckEnvironments(@QueryParameter String value) {
        Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        try {
            Lifecycle.parse(value);
            return FormValidation.ok();
        } catch (InvalidInputException e) {
            return FormValidation.error(e.getMessage());
        }
    }

    @POST
    public ListBoxModel doFillAuditStoreCredentialsIdItems(@QueryParameter String auditStoreCredentialsId) {
        return credentialItems(StandardUsernamePasswordCredentials.class, auditStoreCredentialsId);
    }

    @POST
    public ListBoxModel doFillAlertCredentialsIdItems(@QueryParameter String alertCredentialsId) {
        return credentialItems(StringCredentials.class, alertCredentialsId);
    }

    @POST
    public ListBoxModel doFillSigningKeyCredentialsIdItems(@QueryParameter String signingKeyCredentialsId) {
        StandardListBoxModel items = new StandardListBoxModel();
        if (!Jenkins.get().hasPermission(Jenkins.ADMINISTER)) {
            return items.includeCurrentValue(signingKeyCredentialsId);
        }
        items.includeEmptyValue();
        items.includeAs(ACL.SYSTEM2, Jenkins.get(), FileCredentials.class);
        items.includeAs(ACL.SYSTEM2, Jenkins.get(), StringCredentials.class);
        return items.includeCurrentValue(signingKeyCredentialsId);
    }

    private static ListBoxModel credentialItems(Class<? extends com.cloudbees.plugins.credentials.common.StandardCredentials> type,
                                                String current) {
        StandardListBoxModel items = new StandardListBoxModel();
        if (!Jenkins.get().hasPermission(Jenkins.ADMINISTER)) {
            return items.includeCurrentValue(current);
        }
        return items.includeEmptyValue().includeAs(ACL.SYSTEM2, Jenkins.get(), type).includeCurrentValue(current);
    }

    @NonNull
    @Override
    public String getDisplayName() {
        return "Release Pilot";
    }
}
