package io.jenkins.plugins.releasepilot;

import hudson.model.Item;
import hudson.util.FormValidation;
import io.releasepilot.engine.InvalidInputException;
import java.util.List;
import java.util.function.Consumer;
import jenkins.model.Jenkins;
import net.sf.json.JSONArray;
import net.sf.json.JSONObject;

/**
 * What the step forms (freestyle build steps and the Snippet Generator) share: checks that answer
 * only those who may configure the job (as the credentials plugin's guidelines ask: a check must
 * not become an oracle for anyone else), each running the engine's own validation so the form
 * says exactly what the step would; and list parameters written one entry per line.
 */
final class FormChecks {

    private FormChecks() {
    }

    /** Whether the user may see checks for this job (or, outside a job, for Jenkins). */
    static boolean allowed(Item item) {
        return item == null ? Jenkins.get().hasPermission(Jenkins.ADMINISTER) : item.hasPermission(Item.CONFIGURE);
    }

    /** The engine's message for a bad value, or OK; nothing at all for a user who may not configure the job. */
    static FormValidation check(Item item, String value, Consumer<String> validation) {
        if (!allowed(item) || Util.fixEmpty(value) == null) {
            return FormValidation.ok();
        }
        try {
            validation.accept(value.strip());
            return FormValidation.ok();
        } catch (InvalidInputException e) {
            return FormValidation.error(e.getMessage());
        }
    }

    /** The non-blank lines of a text area, as a list parameter takes them. */
    static List<String> lines(String text) {
        return text == null ? List.of() : text.lines().map(String::strip).filter(line -> !line.isEmpty()).toList();
    }

    /** A list parameter as its text area shows it: one entry per line. */
    static String text(List<String> values) {
        return values == null ? "" : String.join("\n", values);
    }

    /** The submitted form with each named text area (one entry per line) turned into the list its setter takes. */
    static JSONObject linesToLists(JSONObject form, String... fields) {
        for (String field : fields) {
            Object value = form.opt(field);
            if (value instanceof String text) {
                JSONArray array = new JSONArray();
                array.addAll(lines(text));
                form.put(field, array);
            }
        }
        return form;
    }
}
