package io.releasepilot.cli;

import picocli.CommandLine.Option;

/** The Deployment every Kubernetes command acts on: {@code --namespace} and {@code --deployment}. */
final class DeploymentOptions {

    @Option(names = "--namespace", required = true, paramLabel = "NS", description = "Namespace of the Deployment.")
    String namespace;

    @Option(names = "--deployment", required = true, paramLabel = "D", description = "The stable Deployment.")
    String deployment;
}
