package io.halb.health;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;

class AgentReportTest {

    private static final AgentTarget TARGET =
            new AgentTarget("web", "web1", new InetSocketAddress(InetAddress.getLoopbackAddress(), 9777));

    private static AgentReport parse(String line) {
        return AgentReport.parse(TARGET, line);
    }

    @Test
    void readsAPercentageAlone() {
        AgentReport r = parse("75%\n");
        assertThat(r.weightPercent()).hasValue(75);
        assertThat(r.state()).isEmpty();
        assertThat(r.errors()).isEmpty();
        assertThat(r.line()).isEqualTo("75%");
        assertThat(r.reachable()).isTrue();
        assertThat(r.hasEffect()).isTrue();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "up|UP", "ready|READY", "drain|DRAIN", "maint|MAINT", "down|DOWN", "fail|FAIL", "stopped|STOPPED",
            "'  UP  '|UP", "Drain|DRAIN", "MAINT|MAINT", "'\tstopped\t'|STOPPED"})
    void readsEveryStateWordInAnyCase(String line, AgentState expected) {
        AgentReport r = parse(line);
        assertThat(r.state()).hasValue(expected);
        assertThat(r.weightPercent()).isEmpty();
        assertThat(r.errors()).isEmpty();
    }

    @Test
    void readsAStateAndAWeightInAnyOrderWithAnyDelimiter() {
        assertThat(parse("up 50%")).satisfies(r -> {
            assertThat(r.state()).hasValue(AgentState.UP);
            assertThat(r.weightPercent()).hasValue(50);
        });
        assertThat(parse("ready,80%")).satisfies(r -> {
            assertThat(r.state()).hasValue(AgentState.READY);
            assertThat(r.weightPercent()).hasValue(80);
        });
        assertThat(parse("80%\t, drain\r\n")).satisfies(r -> {
            assertThat(r.state()).hasValue(AgentState.DRAIN);
            assertThat(r.weightPercent()).hasValue(80);
            assertThat(r.errors()).isEmpty();
        });
    }

    @Test
    void takesTheTextAfterASharpAsDescription() {
        AgentReport r = parse("down#disk full");
        assertThat(r.state()).hasValue(AgentState.DOWN);
        assertThat(r.description()).isEqualTo("disk full");
        assertThat(r.errors()).isEmpty();

        AgentReport spaced = parse("stopped 0% # maintenance window, back at 10:00");
        assertThat(spaced.state()).hasValue(AgentState.STOPPED);
        assertThat(spaced.weightPercent()).hasValue(0);
        assertThat(spaced.description()).isEqualTo("maintenance window, back at 10:00");
    }

    @Test
    void theLastWordOfAKindWins() {
        assertThat(parse("10% 20% 30%").weightPercent()).hasValue(30);
        assertThat(parse("up down").state()).hasValue(AgentState.DOWN);
        assertThat(parse("down up").state()).hasValue(AgentState.UP);
        assertThat(parse("drain ready").state()).hasValue(AgentState.READY);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "drain up|DRAIN", "up drain|DRAIN", "maint down|MAINT", "ready down|DOWN", "drain stopped|STOPPED",
            "ready up|UP", "maint up|MAINT"})
    void foldsAHealthWordAndAnAdminWordToTheOneThatKeepsTrafficAway(String line, AgentState expected) {
        assertThat(parse(line).state()).hasValue(expected);
    }

    @Test
    void readsOnlyTheFirstLine() {
        AgentReport r = parse("up 40%\ndown 0%\n");
        assertThat(r.state()).hasValue(AgentState.UP);
        assertThat(r.weightPercent()).hasValue(40);
        assertThat(parse("drain\rup").state()).hasValue(AgentState.DRAIN);
    }

    @Test
    void acceptsHaproxysOtherWordsAndRanges() {
        AgentReport r = parse("75%,maxconn:30,maint,down");
        assertThat(r.weightPercent()).hasValue(75);
        assertThat(r.maxConnections()).hasValue(30);
        assertThat(r.state()).hasValue(AgentState.MAINT);
        assertThat(r.errors()).isEmpty();
        assertThat(parse("150%").weightPercent()).hasValue(150);
        assertThat(parse("99999999999%").weightPercent()).hasValue(AgentReport.MAX_WEIGHT_PERCENT);
        assertThat(parse("007%").weightPercent()).hasValue(7);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hello", "75", "75.5%", "-10%", "%", "50%%", "maxconn:x", "upp", "ready!"})
    void reportsGarbageWithoutTakingAnythingFromIt(String word) {
        AgentReport r = parse(word);
        assertThat(r.errors()).hasSize(1);
        assertThat(r.errors().get(0)).contains(word);
        assertThat(r.weightPercent()).isEmpty();
        assertThat(r.state()).isEmpty();
        assertThat(r.hasEffect()).isFalse();
    }

    @Test
    void cutsLongGarbageInItsErrors() {
        AgentReport r = parse("x".repeat(500));
        assertThat(r.errors()).containsExactly("'" + "x".repeat(40) + "...': unknown word");
    }

    @Test
    void keepsTheValidWordsOfALineWithGarbage() {
        AgentReport r = parse("up garbage 60%");
        assertThat(r.state()).hasValue(AgentState.UP);
        assertThat(r.weightPercent()).hasValue(60);
        assertThat(r.errors()).containsExactly("'garbage': unknown word");
    }

    @Test
    void reportsAnEmptyLine() {
        assertThat(parse("").errors()).containsExactly("empty reply");
        assertThat(parse("  \n").errors()).containsExactly("empty reply");
        assertThat(parse("\u0000up").errors()).containsExactly("empty reply");
    }

    @Test
    void neverReadsMoreThanTheLineLimit() {
        AgentReport r = parse("up " + "x".repeat(5000));
        assertThat(r.line()).hasSize(AgentReport.MAX_LINE_LENGTH);
        assertThat(r.state()).hasValue(AgentState.UP);
    }

    @Test
    void anUnreachableReportCarriesNothing() {
        AgentReport r = AgentReport.unreachable(TARGET, "connection refused");
        assertThat(r.unreachable()).isTrue();
        assertThat(r.reachable()).isFalse();
        assertThat(r.hasEffect()).isFalse();
        assertThat(r.failure()).hasValue("connection refused");
        assertThat(r.summary()).isEqualTo("unreachable (connection refused)");
        assertThat(r.effectiveWeight(100)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
            "100, 10, 10", "100, 100, 100", "1, 50, 1", "1, 0, 0", "3, 50, 1", "10, 75, 7",
            "200, 150, 256", "256, 25600, 256", "100, 1, 1"})
    void scalesTheConfiguredWeight(int configured, int percent, int expected) {
        assertThat(parse(percent + "%").effectiveWeight(configured)).isEqualTo(OptionalInt.of(expected));
    }

    @Test
    void summarisesForLogs() {
        assertThat(parse("drain 30% # deploy").summary()).isEqualTo("drain 30% (deploy)");
        assertThat(parse("nonsense").summary()).isEqualTo("no state, no weight");
        assertThat(parse("up").state()).isEqualTo(Optional.of(AgentState.UP));
    }
}
