package io.halb.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WeightFormulaTest {

    private static final WeightFormula EQUAL = new WeightFormula(1, 1, 1, 1000, true);

    @ParameterizedTest
    @CsvSource({
            // cpu idle, memory available, sessions, expected
            "1.0, 1.0, 0, 100",
            "0.5, 0.5, 500, 50",
            "0.9, 0.6, 0, 83",
            "0.0, 0.0, 1000, 1",
            "0.0, 0.0, 5000, 1",
            "0.1, 0.1, 900, 10",
            "1.5, -0.2, -3, 67"})
    void isTheMeanOfTheThreeSignalsClampedToOneToHundred(double cpu, double memory, int sessions, int expected) {
        assertThat(EQUAL.percent(new SettableMetrics(cpu, memory, sessions))).isEqualTo(expected);
    }

    @Test
    void weighsTheSignalsByTheirShares() {
        WeightFormula cpuHeavy = new WeightFormula(3, 1, 0, 1000, true);
        assertThat(cpuHeavy.percent(new SettableMetrics(0.2, 1.0, 0))).isEqualTo(40);
        WeightFormula sessionsOnly = new WeightFormula(0, 0, 1, 200, true);
        assertThat(sessionsOnly.percent(new SettableMetrics(0, 0, 50))).isEqualTo(75);
    }

    @Test
    void leavesSessionsOutWhenNoPortIsWatched() {
        WeightFormula f = new WeightFormula(1, 1, 1, 1000, false);
        assertThat(f.effectiveSessionShare()).isZero();
        // An unwatched session count of 0 would otherwise read as 100% free and lift the weight.
        assertThat(f.percent(new SettableMetrics(0.2, 0.4, 0))).isEqualTo(30);
    }

    @Test
    void isNeverZeroAndNeverAboveHundred() {
        assertThat(EQUAL.percent(new SettableMetrics(0, 0, 100_000))).isEqualTo(1);
        assertThat(EQUAL.percent(new SettableMetrics(Double.NaN, 7, -1))).isBetween(1, 100);
    }

    @Test
    void rejectsSharesThatLeaveNothingToWeigh() {
        assertThatThrownBy(() -> new WeightFormula(0, 0, 1, 1000, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("session port");
        assertThatThrownBy(() -> new WeightFormula(-1, 1, 1, 1000, true))
                .hasMessage("cpuShare: -1.0 (expected: a number >= 0)");
        assertThatThrownBy(() -> new WeightFormula(1, Double.NaN, 1, 1000, true))
                .hasMessageStartingWith("memoryShare: NaN");
        assertThatThrownBy(() -> new WeightFormula(1, 1, 1, 0, true))
                .hasMessage("maxSessions: 0 (expected: >= 1)");
    }
}
