package io.releasepilot.bench;

import java.util.List;

/** The figures of one benchmark run; {@code bench} prints it as text or JSON. */
public record BenchReport(String bench, List<Figure> figures) {

    /** True when every figure that has a target met it. */
    public boolean allTargetsMet() {
        return figures.stream().allMatch(f -> f.met() == null || f.met());
    }
}
