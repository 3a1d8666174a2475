package io.releasepilot.engine.image;

import io.releasepilot.engine.host.ProcessLauncher.ProcessResult;
import java.util.List;
import java.util.Locale;

/**
 * A builder's process failed. {@link BuildImage} turns it into the error a person reads: the
 * builder's own message for a Dockerfile error, the registry's name for refused credentials.
 */
public final class BuilderFailure extends Exception {

    /** What the builder was doing. */
    public enum Stage { BUILD, PUSH }

    private final String builder;
    private final Stage stage;
    private final ImageReference tag;
    private final ProcessResult result;

    public BuilderFailure(String builder, Stage stage, ImageReference tag, ProcessResult result) {
        super(builder + " " + stage.name().toLowerCase(Locale.ROOT) + " failed (exit " + result.exitCode() + ")");
        this.builder = builder;
        this.stage = stage;
        this.tag = tag;
        this.result = result;
    }

    public String builder() {
        return builder;
    }

    public Stage stage() {
        return stage;
    }

    /** The tag being pushed, or null for the build stage (or a builder that pushes every tag at once). */
    public ImageReference tag() {
        return tag;
    }

    public ProcessResult result() {
        return result;
    }

    /**
     * The lines that explain the failure: those the builder marked as errors, else the last few.
     */
    public List<String> explanation() {
        List<String> errors = result.tail().stream()
                .filter(l -> l.toLowerCase(Locale.ROOT).contains("error") || l.contains("level=fatal"))
                .toList();
        List<String> tail = result.tail();
        return errors.isEmpty() ? tail.subList(Math.max(0, tail.size() - 5), tail.size()) : errors;
    }

    /** Whether the builder's output says a registry refused it for lack of (valid) credentials. */
    public boolean refusedAuthentication() {
        return result.tail().stream().map(l -> l.toLowerCase(Locale.ROOT)).anyMatch(l ->
                l.contains("unauthorized") || l.contains("authentication required") || l.contains("access to the resource is denied")
                        || l.contains("access denied") || l.contains("no basic auth credentials"));
    }
}
