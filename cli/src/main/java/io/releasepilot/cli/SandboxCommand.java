package io.releasepilot.cli;

import picocli.CommandLine.Command;

@Command(name = "sandbox", mixinStandardHelpOptions = true,
        description = {"Release Pilot on this machine alone, on a SIMULATED Kubernetes cluster. See docs/sandbox.md."},
        subcommands = SandboxClusterCommand.class)
final class SandboxCommand {
}
