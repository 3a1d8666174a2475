package io.releasepilot.engine.image;

import io.releasepilot.engine.InvalidInputException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Which builder to use: one by name, or {@link #AUTO}, the first that works on the host. */
public enum BuilderChoice {
    AUTO, BUILDAH, DOCKER, KANIKO;

    public static final String FORM = Arrays.stream(values()).map(BuilderChoice::label).collect(Collectors.joining(", ", "one of ", ""));

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static BuilderChoice parse(String parameter, String text) {
        if (text != null) {
            for (BuilderChoice c : values()) {
                if (c.label().equals(text.strip().toLowerCase(Locale.ROOT))) {
                    return c;
                }
            }
        }
        throw new InvalidInputException(parameter, text, FORM);
    }
}
