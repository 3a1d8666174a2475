package io.releasepilot.engine;

/**
 * Input that cannot be accepted. Raised before anything is changed or contacted; the message
 * names the parameter, the value that was given and the form that is accepted.
 */
public class InvalidInputException extends ReleasePilotException {

    private final String parameter;
    private final String value;
    private final String acceptedForm;

    public InvalidInputException(String parameter, String value, String acceptedForm) {
        super(format(parameter, value, acceptedForm));
        this.parameter = parameter;
        this.value = value;
        this.acceptedForm = acceptedForm;
    }

    private static String format(String parameter, String value, String acceptedForm) {
        String shown = value == null ? "nothing" : "'" + value + "'";
        return "invalid " + parameter + ": " + shown + " (expected " + acceptedForm + ")";
    }

    public String parameter() {
        return parameter;
    }

    public String value() {
        return value;
    }

    public String acceptedForm() {
        return acceptedForm;
    }

    @Override
    public int exitCode() {
        return 2;
    }
}
