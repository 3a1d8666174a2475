package io.releasepilot.engine.act;

import io.releasepilot.engine.InvalidInputException;

/**
 * One run of one act, named by its host: under Jenkins the build URL and the step's flow node
 * ({@code job/web/42/#17}), for the CLI {@code cli://HOST/PID@START}. A lease is held by a run
 * id and the same run id takes its own lease back when it resumes after a restart; two runs
 * never share one.
 */
public record RunId(String value) {

    public RunId {
        if (value == null || value.isBlank() || value.length() > 512 || !value.chars().allMatch(c -> c >= 0x20 && c != 0x7f)) {
            throw new InvalidInputException("run id", value, "1-512 printable characters, such as a build URL and step id");
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
