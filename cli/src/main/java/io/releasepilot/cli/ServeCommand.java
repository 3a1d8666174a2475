package io.releasepilot.cli;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.audit.AuditStore;
import io.releasepilot.engine.audit.AuditStores;
import io.releasepilot.engine.audit.CheckpointKeys;
import io.releasepilot.engine.dashboard.Dashboard;
import io.releasepilot.engine.dashboard.DashboardApi;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve the dashboard: what runs where, each service's history, the audit feed, DORA figures, "
                + "the audit verification status, the JSON API (api/v1/, docs/openapi.yaml) and /metrics for Prometheus. "
                + "Listens on 127.0.0.1 unless --bind names another address, which needs --token-file.")
final class ServeCommand implements Callable<Integer> {

    static final int DEFAULT_PORT = 8470;
    static final int MIN_TOKEN_LENGTH = 16;

    @Spec
    CommandSpec spec;

    @Option(names = "--port", paramLabel = "N", defaultValue = "" + DEFAULT_PORT,
            description = "TCP port (0: any free port). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--bind", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "Address to listen on. Default: ${DEFAULT-VALUE}. Any address that is not loopback needs --token-file.")
    String bind;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "File holding the bearer token (at least " + MIN_TOKEN_LENGTH + " characters) that the API and /metrics require.")
    Path tokenFile;

    @Override
    public Integer call() {
        CliContext ctx = new CliContext(spec);
        if (port < 0 || port > 65535) {
            throw new InvalidInputException("port", String.valueOf(port), "a TCP port from 1 to 65535 (0: any free port)");
        }
        InetAddress address = address(bind);
        if (!address.isLoopbackAddress() && tokenFile == null) {
            throw new InvalidInputException("bind", bind, "a loopback address such as 127.0.0.1 or ::1; "
                    + "any other address also needs --token-file, so the audit trail is not open to the network");
        }
        String token = tokenFile == null ? null : readToken(tokenFile);
        PublicKey publicKey = Files.exists(CliContext.defaultPublicKey())
                ? CheckpointKeys.readPublic("public-key", CliContext.defaultPublicKey()) : null;

        // The signal is closed last: once it is, a JVM stopped by Ctrl-C halts.
        try (StopSignal stop = new StopSignal("release-pilot-serve-stop")) {
            // The dashboard only reads: the store is opened without a signing key, so none is made.
            try (AuditStore store = AuditStores.open(ctx.storeConfig(null));
                 Dashboard dashboard = new Dashboard(store, Dashboard.Config.defaults().withPublicKey(publicKey))) {
                ctx.err().printf("[serve] reading the audit trail %s%n", store.location());
                ctx.err().flush();
                dashboard.warmUp();
                try (DashboardServer server = DashboardServer.start(new DashboardApi(dashboard), new InetSocketAddress(address, port), token)) {
                    ctx.out().printf("[serve] dashboard at %s (%d records)%n", server.url(), store.head().seq());
                    if (token != null) {
                        ctx.out().printf("[serve] the API and /metrics need 'Authorization: Bearer' with the token in %s%n", tokenFile);
                    }
                    ctx.out().println("[serve] press Ctrl-C to stop");
                    ctx.out().flush();
                    stop.await();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ctx.out().println("[serve] stopped");
            ctx.out().flush();
        }
        return 0;
    }

    private static InetAddress address(String bind) {
        if (bind == null || bind.isBlank()) {
            throw new InvalidInputException("bind", bind, "an IP address or host name to listen on, e.g. 127.0.0.1");
        }
        try {
            return InetAddress.getByName(bind.strip());
        } catch (UnknownHostException e) {
            throw new InvalidInputException("bind", bind, "an IP address or a host name this machine can resolve, e.g. 127.0.0.1");
        }
    }

    /** Reads the token; messages name the file, never its content. */
    static String readToken(Path file) {
        String form = "a readable file holding the bearer token (at least " + MIN_TOKEN_LENGTH + " characters, no spaces)";
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new InvalidInputException("token-file", file.toString(), form);
        }
        String token;
        try {
            token = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new InvalidInputException("token-file", file.toString(), form + " (" + e.getClass().getSimpleName() + ")");
        }
        if (token.length() < MIN_TOKEN_LENGTH || token.chars().anyMatch(Character::isWhitespace)) {
            throw new InvalidInputException("token-file", file.toString(), form);
        }
        return token;
    }
}
