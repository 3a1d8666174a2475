package io.releasepilot.engine.alert;

import io.releasepilot.engine.InvalidInputException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * One label matcher as Prometheus and Alertmanager write them: {@code severity="critical"},
 * {@code track!=stable}, {@code service=~"web|api"}, {@code env!~"dev.*"}. Regular expressions are
 * anchored at both ends, as in Prometheus. A label that is absent has the value "".
 */
public final class LabelMatcher {

    public static final String ACCEPTED_FORM =
            "a label matcher such as severity=\"critical\", track!=stable, service=~\"web|api\" or env!~\"dev.*\"";

    private static final Pattern FORM =
            Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*(\"(?:[^\"\\\\]|\\\\.)*\"|[^\"\\s]*)\\s*");

    /** How the value is compared. */
    public enum Operator {
        EQUAL("="), NOT_EQUAL("!="), REGEX("=~"), NOT_REGEX("!~");

        private final String symbol;

        Operator(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        static Operator of(String symbol) {
            for (Operator o : values()) {
                if (o.symbol.equals(symbol)) {
                    return o;
                }
            }
            throw new IllegalArgumentException(symbol);
        }
    }

    private final String label;
    private final Operator operator;
    private final String value;
    private final Pattern pattern;

    private LabelMatcher(String label, Operator operator, String value, Pattern pattern) {
        this.label = label;
        this.operator = operator;
        this.value = value;
        this.pattern = pattern;
    }

    public String label() {
        return label;
    }

    public Operator operator() {
        return operator;
    }

    public String value() {
        return value;
    }

    /** Parses one matcher as a person wrote it; {@code parameter} names the option in errors. */
    public static LabelMatcher parse(String parameter, String text) {
        Matcher m = text == null ? null : FORM.matcher(text);
        if (m == null || !m.matches()) {
            throw new InvalidInputException(parameter, text, ACCEPTED_FORM);
        }
        String raw = m.group(3);
        String value = raw.startsWith("\"") ? unquote(raw) : raw;
        Operator operator = Operator.of(m.group(2));
        Pattern pattern = null;
        if (operator == Operator.REGEX || operator == Operator.NOT_REGEX) {
            try {
                pattern = Pattern.compile(value);
            } catch (PatternSyntaxException e) {
                throw new InvalidInputException(parameter, text,
                        "a valid regular expression after " + operator.symbol() + " (" + e.getDescription() + ")");
            }
        }
        return new LabelMatcher(m.group(1), operator, value, pattern);
    }

    private static String unquote(String quoted) {
        StringBuilder out = new StringBuilder();
        for (int i = 1; i < quoted.length() - 1; i++) {
            char c = quoted.charAt(i);
            if (c == '\\' && i + 1 < quoted.length() - 1) {
                c = quoted.charAt(++i);
            }
            out.append(c);
        }
        return out.toString();
    }

    /** Whether a set of labels satisfies this matcher. */
    public boolean matches(Map<String, String> labels) {
        String actual = labels.getOrDefault(label, "");
        return switch (operator) {
            case EQUAL -> actual.equals(value);
            case NOT_EQUAL -> !actual.equals(value);
            case REGEX -> pattern.matcher(actual).matches();
            case NOT_REGEX -> !pattern.matcher(actual).matches();
        };
    }

    /** The matcher in the notation Alertmanager's {@code filter} parameter takes. */
    @Override
    public String toString() {
        return label + operator.symbol() + "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
