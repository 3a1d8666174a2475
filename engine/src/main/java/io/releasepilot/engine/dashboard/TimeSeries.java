package io.releasepilot.engine.dashboard;

import java.util.Arrays;

/**
 * Values stamped with the time of the record they come from, appended in the trail's order and
 * dropped from the front as they leave the window. Primitive arrays: a million facts cost 16 MB.
 */
final class TimeSeries {

    private long[] times = new long[64];
    private double[] values = new double[64];
    private int start;
    private int end;

    void add(long timeMs, double value) {
        if (end == times.length) {
            int live = end - start;
            int capacity = live * 2 > times.length ? times.length * 2 : times.length;
            times = Arrays.copyOfRange(times, start, start + capacity);
            values = Arrays.copyOfRange(values, start, start + capacity);
            start = 0;
            end = live;
        }
        times[end] = timeMs;
        values[end] = value;
        end++;
    }

    /** Forgets every value stamped before {@code cutoffMs}. */
    void dropBefore(long cutoffMs) {
        while (start < end && times[start] < cutoffMs) {
            start++;
        }
    }

    /** How many values are stamped at or after {@code fromMs}. */
    int countFrom(long fromMs) {
        return end - firstFrom(fromMs);
    }

    /** The values stamped at or after {@code fromMs}, in any order. */
    double[] valuesFrom(long fromMs) {
        return Arrays.copyOfRange(values, firstFrom(fromMs), end);
    }

    private int firstFrom(long fromMs) {
        int lo = start;
        int hi = end;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (times[mid] < fromMs) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    static Double median(double[] values) {
        return quantile(values, 0.5);
    }

    /** The nearest-rank quantile, or null with no value. */
    static Double quantile(double[] values, double q) {
        if (values.length == 0) {
            return null;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
