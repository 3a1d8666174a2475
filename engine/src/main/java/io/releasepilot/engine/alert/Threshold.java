package io.releasepilot.engine.alert;

import io.releasepilot.engine.InvalidInputException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a PromQL sample counts as firing: {@code value <comparison> limit}. Written as the limit
 * alone ({@code 0.05}, meaning {@code > 0.05}) or with the comparison first ({@code >=0.05},
 * {@code <0.99}, {@code ==0}, {@code !=1}).
 */
public record Threshold(Comparison comparison, double limit) {

    public static final String ACCEPTED_FORM =
            "a number, meaning 'above it' (0.05), or a comparison and a number: >0.05, >=0.05, <0.99, <=0.99, ==0, !=1";

    private static final Pattern FORM = Pattern.compile("\\s*(>=|<=|==|!=|>|<)?\\s*([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)\\s*");

    /** The comparisons PromQL has. */
    public enum Comparison {
        GREATER(">"), GREATER_OR_EQUAL(">="), LESS("<"), LESS_OR_EQUAL("<="), EQUAL("=="), NOT_EQUAL("!=");

        private final String symbol;

        Comparison(String symbol) {
            this.symbol = symbol;
        }

        public String symbol() {
            return symbol;
        }

        static Comparison of(String symbol) {
            for (Comparison c : values()) {
                if (c.symbol.equals(symbol)) {
                    return c;
                }
            }
            throw new IllegalArgumentException(symbol);
        }
    }

    public static Threshold parse(String parameter, String text) {
        Matcher m = text == null ? null : FORM.matcher(text);
        if (m == null || !m.matches()) {
            throw new InvalidInputException(parameter, text, ACCEPTED_FORM);
        }
        Comparison comparison = m.group(1) == null ? Comparison.GREATER : Comparison.of(m.group(1));
        return new Threshold(comparison, Double.parseDouble(m.group(2)));
    }

    /** Whether a sample value breaches the threshold; NaN never does, as in PromQL. */
    public boolean breachedBy(double value) {
        return switch (comparison) {
            case GREATER -> value > limit;
            case GREATER_OR_EQUAL -> value >= limit;
            case LESS -> value < limit;
            case LESS_OR_EQUAL -> value <= limit;
            case EQUAL -> value == limit;
            case NOT_EQUAL -> !Double.isNaN(value) && value != limit;
        };
    }

    @Override
    public String toString() {
        return comparison.symbol() + " " + (limit == Math.rint(limit) && Math.abs(limit) < 1e15 ? String.valueOf((long) limit) : String.valueOf(limit));
    }
}
