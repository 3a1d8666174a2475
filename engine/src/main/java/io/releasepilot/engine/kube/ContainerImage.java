package io.releasepilot.engine.kube;

import io.releasepilot.engine.InvalidInputException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An image reference as a deploy step accepts it: {@code [registry/]repository[:tag][@sha256:digest]},
 * with a tag or a digest (a digest is what was tested, so it is what should ship).
 *
 * @param reference the reference exactly as given
 * @param release   the release name it stands for: the tag, else the first 12 hex digits of the digest
 */
public record ContainerImage(String reference, String release) {

    public static final String ACCEPTED_FORM =
            "an image reference [registry/]repository[:tag][@sha256:<64 hex digits>] with a tag or a digest, e.g. registry.example.com/web@sha256:…";

    private static final Pattern REFERENCE = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?/)?"
                    + "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*"
                    + "(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
                    + "(?:@sha256:(?<digest>[a-f0-9]{64}))?");

    /** Validates an image reference given as parameter {@code parameter}. */
    public static ContainerImage parse(String parameter, String text) {
        if (text == null || text.length() > 512) {
            throw new InvalidInputException(parameter, text, ACCEPTED_FORM);
        }
        Matcher m = REFERENCE.matcher(text);
        if (!m.matches() || (m.group("tag") == null && m.group("digest") == null)) {
            throw new InvalidInputException(parameter, text, ACCEPTED_FORM);
        }
        String release = m.group("tag") != null ? m.group("tag") : m.group("digest").substring(0, 12);
        return new ContainerImage(text, release);
    }

    /** The release name of any reference found on a cluster, without rejecting odd ones. */
    static String releaseOf(String reference) {
        if (reference == null) {
            return null;
        }
        try {
            return parse("image", reference).release();
        } catch (InvalidInputException notOurForm) {
            return reference;
        }
    }
}
