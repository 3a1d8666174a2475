package io.releasepilot.engine.alert;

import io.releasepilot.engine.InvalidInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which alerts count: any of {@code names} (empty: any name) whose labels satisfy every matcher.
 * This is how a watch sees only the canary's alerts and not the whole fleet's.
 */
public record AlertSelector(Set<String> names, List<LabelMatcher> matchers) {

    public static final String NAME_FORM = "an alert name: letters, digits, '_', ':', '.' and '-', starting with a letter or '_'";
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_:.-]*");

    public AlertSelector {
        names = Set.copyOf(new TreeSet<>(names));
        matchers = List.copyOf(matchers);
    }

    /** Parses {@code --alert} names and {@code --matcher} expressions as a person gave them. */
    public static AlertSelector parse(List<String> names, List<String> matchers) {
        Set<String> parsedNames = new TreeSet<>();
        for (String name : names) {
            if (name == null || !NAME.matcher(name).matches()) {
                throw new InvalidInputException("alert", name, NAME_FORM);
            }
            parsedNames.add(name);
        }
        List<LabelMatcher> parsedMatchers = new ArrayList<>();
        for (String matcher : matchers) {
            parsedMatchers.add(LabelMatcher.parse("matcher", matcher));
        }
        return new AlertSelector(parsedNames, parsedMatchers);
    }

    /** Whether this selects some alerts rather than every alert the server knows. */
    public boolean isScoped() {
        return !names.isEmpty() || !matchers.isEmpty();
    }

    public boolean matches(String name, Map<String, String> labels) {
        if (!names.isEmpty() && !names.contains(name)) {
            return false;
        }
        for (LabelMatcher m : matchers) {
            if (!m.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    /** For console lines: {@code HighErrorRate|SlowAPIResponse {track="canary"}}. */
    public String display() {
        String n = names.isEmpty() ? "any alert" : String.join("|", new TreeSet<>(names));
        return matchers.isEmpty() ? n : n + " " + matchers.stream().map(LabelMatcher::toString).toList();
    }
}
