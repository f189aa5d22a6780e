package dev.dhtsignal.tools.bench;

import java.util.Arrays;

/**
 * A growable array of long samples (latencies, hop counts) with percentiles. Keeps every sample, so a
 * percentile is exact; at 8 bytes a sample, ten million cost 80 MB, which bounds what callers record.
 */
final class LongSamples {
    private long[] values = new long[1024];
    private int size;
    private boolean sorted = true;

    void add(long v) {
        if (size == values.length) {
            values = Arrays.copyOf(values, values.length * 2);
        }
        values[size++] = v;
        sorted = false;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The sample at quantile {@code q} (0..1), nearest-rank; 0 when there are none. */
    long quantile(double q) {
        if (size == 0) {
            return 0;
        }
        sort();
        int rank = (int) Math.ceil(q * size);
        return values[Math.min(size - 1, Math.max(0, rank - 1))];
    }

    long max() {
        if (size == 0) {
            return 0;
        }
        sort();
        return values[size - 1];
    }

    double mean() {
        if (size == 0) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < size; i++) {
            sum += values[i];
        }
        return sum / size;
    }

    private void sort() {
        if (!sorted) {
            Arrays.sort(values, 0, size);
            sorted = true;
        }
    }
}
