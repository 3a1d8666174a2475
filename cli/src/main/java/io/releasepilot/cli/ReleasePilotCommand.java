package io.releasepilot.cli;

import io.releasepilot.engine.ReleasePilotException;
import io.releasepilot.sandbox.servers.LocalServerException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code release-pilot}: the engine's acts from a shell, with the exit codes of DESIGN.md. */
@Command(name = "release-pilot",
        mixinStandardHelpOptions = true,
        versionProvider = ReleasePilotCommand.Version.class,
        description = "Progressive delivery for containerised services, with a tamper-evident audit trail.",
        subcommands = {AuditCommand.class, BenchCommand.class, BuildImageCommand.class, DbSnapshotCommand.class, RollbackOnAlertCommand.class, ServeCommand.class, SandboxCommand.class,
            DeployCanaryCommand.class, PromoteCommand.class, RollbackCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:the deployment act failed, was denied or was rolled back",
            "2:invalid input (nothing was changed, nothing was contacted)",
            "3:an environment error (unreachable, unauthorised, timed out)",
            "4:audit verification failed"})
public final class ReleasePilotCommand {

    public enum OutputFormat { text, json }

    /** Held so the level set on it is not lost: JUL keeps loggers only weakly. */
    private static final Logger ROOT_LOGGER = Logger.getLogger("");

    @Option(names = "--audit-store", scope = ScopeType.INHERIT, paramLabel = "DIR|JDBC_URL",
            description = "Audit store: a directory (embedded SQLite file audit.db) or a JDBC URL (jdbc:postgresql://…). "
                    + "Default: env RELEASE_PILOT_AUDIT_STORE, else ~/.release-pilot. "
                    + "PostgreSQL user and password: env RELEASE_PILOT_AUDIT_STORE_USER / RELEASE_PILOT_AUDIT_STORE_PASSWORD.")
    String auditStore;

    @Option(names = "--signing-key", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "Ed25519 private key (PEM) that signs audit checkpoints. "
                    + "Default: env RELEASE_PILOT_SIGNING_KEY, else ~/.config/release-pilot/checkpoint-key.pem (made on first use, mode 0600). "
                    + "Never inside the audit store's directory.")
    Path signingKey;

    @Option(names = "--kubeconfig", scope = ScopeType.INHERIT, paramLabel = "FILE",
            description = "Kubeconfig for cluster access. Default: env KUBECONFIG, else ~/.kube/config.")
    Path kubeconfig;

    @Option(names = "--lifecycle", scope = ScopeType.INHERIT, paramLabel = "ENV,ENV,...",
            description = "The environments a release passes through, in promotion order, e.g. INT,UAT,PROD. "
                    + "Default: env RELEASE_PILOT_LIFECYCLE, else the file ~/.config/release-pilot/lifecycle, else INT,UAT,PROD.")
    String lifecycle;

    @Option(names = "--output", scope = ScopeType.INHERIT, paramLabel = "text|json",
            description = "Output format: ${COMPLETION-CANDIDATES}. Default: text.")
    OutputFormat output = OutputFormat.text;

    @Option(names = "--actor", scope = ScopeType.INHERIT, paramLabel = "NAME",
            description = "Who acts, for the audit trail. Default: the OS user.")
    String actor;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs a command line and returns its exit code; the tests call this. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        quietLibraryLogging();
        CommandLine cli = new CommandLine(new ReleasePilotCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        // A usage error is the mistake and where the help is, not 60 lines of help that bury it.
        cli.setParameterExceptionHandler((e, commandArgs) -> {
            CommandLine failed = e.getCommandLine();
            failed.getErr().println("error: " + e.getMessage());
            failed.getErr().println("see `" + failed.getCommandSpec().qualifiedName() + " --help`");
            return CommandLine.ExitCode.USAGE;
        });
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof ReleasePilotException known) {
                commandLine.getErr().println("error: " + known.getMessage());
                return known.exitCode();
            }
            if (e instanceof LocalServerException local) {
                commandLine.getErr().println("error: " + local.getMessage());
                return 3;
            }
            commandLine.getErr().println("error: " + e);
            e.printStackTrace(commandLine.getErr());
            return 1;
        });
        return cli.execute(args);
    }

    /** Library INFO lines (pool start, migrations) are noise in a person's terminal. */
    private static void quietLibraryLogging() {
        ROOT_LOGGER.setLevel(Level.WARNING);
        for (var handler : ROOT_LOGGER.getHandlers()) {
            handler.setLevel(Level.WARNING);
        }
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = ReleasePilotCommand.class.getPackage().getImplementationVersion();
            return new String[] {"release-pilot " + (v == null ? "development build" : v)};
        }
    }
}
