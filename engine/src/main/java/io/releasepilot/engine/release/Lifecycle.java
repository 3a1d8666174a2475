package io.releasepilot.engine.release;

import io.releasepilot.engine.InvalidInputException;
import io.releasepilot.engine.input.Names;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;

/**
 * The ordered environments a release passes through, e.g. INT → UAT → PROD. A digest may enter an
 * environment only after it was promoted in the one before it.
 */
public record Lifecycle(List<String> environments) {

    public static final Lifecycle DEFAULT = new Lifecycle(List.of("INT", "UAT", "PROD"));

    public Lifecycle {
        if (environments == null || environments.isEmpty()) {
            throw new InvalidInputException("environments", String.valueOf(environments),
                    "one or more environment names in promotion order, e.g. INT,UAT,PROD");
        }
        List<String> normalised = new ArrayList<>();
        for (String e : environments) {
            normalised.add(Names.environment(e));
        }
        if (new LinkedHashSet<>(normalised).size() != normalised.size()) {
            throw new InvalidInputException("environments", String.join(",", environments),
                    "environment names in promotion order, each named once");
        }
        environments = List.copyOf(normalised);
    }

    /** Parses a comma-separated list such as {@code INT,UAT,PROD}. */
    public static Lifecycle parse(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException("environments", text, "one or more environment names in promotion order, e.g. INT,UAT,PROD");
        }
        return new Lifecycle(Arrays.stream(text.split(",")).map(String::trim).toList());
    }

    /** The first environment: where a release starts, with no gate. */
    public String first() {
        return environments.get(0);
    }

    public boolean contains(String environment) {
        return environments.contains(Names.environment(environment));
    }

    /** The environment a release must have been promoted in before it may enter this one. */
    public Optional<String> before(String environment) {
        String env = requireKnown(environment);
        int i = environments.indexOf(env);
        return i == 0 ? Optional.empty() : Optional.of(environments.get(i - 1));
    }

    /** The environment after this one, if any. */
    public Optional<String> after(String environment) {
        String env = requireKnown(environment);
        int i = environments.indexOf(env);
        return i == environments.size() - 1 ? Optional.empty() : Optional.of(environments.get(i + 1));
    }

    /** Validates an environment name against this lifecycle, normalised to upper case. */
    public String requireKnown(String environment) {
        String env = Names.environment(environment);
        if (!environments.contains(env)) {
            throw new InvalidInputException("environment", environment, "one of the lifecycle's environments " + String.join(", ", environments));
        }
        return env;
    }
}
