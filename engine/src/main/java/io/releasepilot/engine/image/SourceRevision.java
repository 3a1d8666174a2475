package io.releasepilot.engine.image;

import io.releasepilot.engine.host.ProcessLauncher;
import io.releasepilot.engine.host.ProcessLauncher.ProcessRequest;
import io.releasepilot.engine.host.ProcessLauncher.ProcessResult;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The revision and source URL of a build context, asked of git on the host when the caller did
 * not say (Jenkins knows them from its SCM checkout; a shell usually does not).
 */
final class SourceRevision {

    private static final Duration GIT_TIMEOUT = Duration.ofSeconds(15);

    private SourceRevision() {
    }

    /** {@code git rev-parse HEAD} in the context, or null when the context is not in a git work tree. */
    static String revision(ProcessLauncher launcher, String context) throws IOException, InterruptedException {
        return git(launcher, context, List.of("rev-parse", "HEAD"));
    }

    /** The {@code origin} remote's URL without any user or password in it, or null. */
    static String source(ProcessLauncher launcher, String context) throws IOException, InterruptedException {
        String url = git(launcher, context, List.of("config", "--get", "remote.origin.url"));
        return url == null ? null : withoutUserInfo(url);
    }

    /** A repository URL as it may be shown: {@code https://user:token@host/x} loses {@code user:token@}. */
    static String withoutUserInfo(String url) {
        try {
            URI uri = new URI(url);
            if (uri.getUserInfo() != null && uri.getHost() != null) {
                return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), uri.getQuery(), uri.getFragment()).toString();
            }
            return url;
        } catch (URISyntaxException notAUri) {
            // scp-like git@host:path carries a user name but never a password
            return url;
        }
    }

    private static String git(ProcessLauncher launcher, String context, List<String> args) throws IOException, InterruptedException {
        if (!launcher.isExecutable("git")) {
            return null;
        }
        List<String> command = new ArrayList<>(List.of("git", "-C", context));
        command.addAll(args);
        List<String> lines = new ArrayList<>();
        ProcessResult result = launcher.run(new ProcessRequest(command, null, Map.of(), GIT_TIMEOUT, lines::add, Set.of()));
        if (!result.succeeded() || lines.isEmpty() || lines.get(0).isBlank()) {
            return null;
        }
        return lines.get(0).strip();
    }
}
