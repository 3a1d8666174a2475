package io.jenkins.plugins.releasepilot;

import com.cloudbees.plugins.credentials.Credentials;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.SystemCredentialsProvider;
import com.cloudbees.plugins.credentials.impl.UsernamePasswordCredentialsImpl;
import hudson.model.CauseAction;
import hudson.model.Cause;
import hudson.util.Secret;
import io.releasepilot.engine.audit.AuditAction;
import io.releasepilot.engine.audit.AuditFilter;
import io.releasepilot.engine.audit.AuditRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.jenkinsci.plugins.plaincredentials.impl.StringCredentialsImpl;
import org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition;
import org.jenkinsci.plugins.workflow.job.WorkflowJob;
import org.jenkinsci.plugins.workflow.job.WorkflowRun;
import org.jvnet.hudson.test.JenkinsRule;

/** What the plugin's Jenkins tests share: credentials, sandboxed Pipeline jobs, reading the audit trail back. */
final class Fixtures {

    private Fixtures() {
    }

    static void addCredentials(Credentials credentials) throws IOException {
        SystemCredentialsProvider provider = SystemCredentialsProvider.getInstance();
        provider.getCredentials().add(credentials);
        provider.save();
    }

    static void addLogin(String id, String username, String password) throws Exception {
        addCredentials(new UsernamePasswordCredentialsImpl(CredentialsScope.GLOBAL, id, "test login", username, password));
    }

    static void addSecretText(String id, String secret) throws IOException {
        addCredentials(new StringCredentialsImpl(CredentialsScope.GLOBAL, id, "test secret", Secret.fromString(secret)));
    }

    /** A job whose script runs in the Groovy sandbox, as an ordinary user's Jenkinsfile does. */
    static WorkflowJob sandboxedJob(JenkinsRule j, String name, String script) throws Exception {
        WorkflowJob job = j.createProject(WorkflowJob.class, name);
        job.setDefinition(new CpsFlowDefinition(script, true));
        return job;
    }

    /** Starts a build as if the user had pressed "Build Now". */
    static WorkflowRun buildAs(WorkflowJob job, String user) throws Exception {
        return job.scheduleBuild2(0, new CauseAction(new Cause.UserIdCause(user))).get();
    }

    /** The records of {@code action} one build wrote (tests share a Jenkins, so other builds' records are there too). */
    static List<AuditRecord> audit(WorkflowRun build, AuditAction action) throws IOException {
        String origin = BuildOrigin.url(build);
        return AuditTrail.get().store().list(new AuditFilter(null, null, action, null, AuditFilter.MAX_LIMIT)).stream()
                .filter(r -> r.origin().equals(origin)).toList();
    }

    /** Every audit record there is, newest first, as text: what a leak would show up in. */
    static String auditText() throws IOException {
        StringBuilder out = new StringBuilder();
        for (AuditRecord r : AuditTrail.get().store().list(AuditFilter.newest(AuditFilter.MAX_LIMIT))) {
            out.append(r).append('\n');
        }
        return out.toString();
    }

    /** The files of a build's directory (build.xml, log, program.dat…) whose content contains {@code secret}. */
    static List<Path> filesContaining(Path dir, String secret) throws IOException {
        List<Path> found = new ArrayList<>();
        byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                if (indexOf(Files.readAllBytes(file), needle) >= 0) {
                    found.add(file);
                }
            }
        }
        return found;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
