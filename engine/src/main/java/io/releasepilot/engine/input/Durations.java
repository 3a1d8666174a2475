package io.releasepilot.engine.input;

import io.releasepilot.engine.InvalidInputException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the durations every step accepts: {@code 30s}, {@code 5m}, {@code 1h30m}, {@code 250ms}. */
public final class Durations {

    public static final String ACCEPTED_FORM =
            "a duration such as 30s, 5m, 1h30m or 250ms (units h, m, s, ms; largest first)";

    private static final Pattern WHOLE = Pattern.compile("(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+)s)?(?:(\\d+)ms)?");

    private Durations() {
    }

    /**
     * @param parameter the parameter name used in the error message
     * @param text      the text as the user gave it
     */
    public static Duration parse(String parameter, String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException(parameter, text, ACCEPTED_FORM);
        }
        Matcher m = WHOLE.matcher(text.trim());
        if (!m.matches() || text.trim().isEmpty()) {
            throw new InvalidInputException(parameter, text, ACCEPTED_FORM);
        }
        boolean any = false;
        Duration total = Duration.ZERO;
        try {
            for (int group = 1; group <= 4; group++) {
                String part = m.group(group);
                if (part == null) {
                    continue;
                }
                any = true;
                long n = Long.parseLong(part);
                total = switch (group) {
                    case 1 -> total.plusHours(n);
                    case 2 -> total.plusMinutes(n);
                    case 3 -> total.plusSeconds(n);
                    default -> total.plusMillis(n);
                };
            }
        } catch (NumberFormatException | ArithmeticException e) {
            throw new InvalidInputException(parameter, text, ACCEPTED_FORM);
        }
        if (!any) {
            throw new InvalidInputException(parameter, text, ACCEPTED_FORM);
        }
        return total;
    }

    /** Like {@link #parse} but also rejects zero. */
    public static Duration parsePositive(String parameter, String text) {
        Duration d = parse(parameter, text);
        if (d.isZero()) {
            throw new InvalidInputException(parameter, text, "a duration greater than zero, such as 30s, 5m or 1h30m");
        }
        return d;
    }

    /** Formats a duration back into the accepted form, e.g. {@code 1h30m}. */
    public static String format(Duration d) {
        if (d.isZero()) {
            return "0s";
        }
        StringBuilder out = new StringBuilder();
        long hours = d.toHours();
        int minutes = d.toMinutesPart();
        int seconds = d.toSecondsPart();
        int millis = d.toMillisPart();
        if (hours > 0) {
            out.append(hours).append('h');
        }
        if (minutes > 0) {
            out.append(minutes).append('m');
        }
        if (seconds > 0) {
            out.append(seconds).append('s');
        }
        if (millis > 0) {
            out.append(millis).append("ms");
        }
        return out.toString();
    }
}
