package io.jenkins.plugins.releasepilot;

/** Small value helpers the step parameters share. */
final class Util {

    private Util() {
    }

    /** Null for null, empty or blank text (an empty form field), else the text stripped. */
    static String fixEmpty(String text) {
        return text == null || text.isBlank() ? null : text.strip();
    }
}
