package io.halb.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SuggestionTest {

    @Test
    void suggestsWithinTwoEdits() {
        assertThat(Suggestion.closest("wieght", List.of("name", "weight"))).contains("weight");
        assertThat(Suggestion.closest("algoritm", List.of("algorithm", "agent"))).contains("algorithm");
        assertThat(Suggestion.closest("helth", List.of("health"))).contains("health");
    }

    @Test
    void staysQuietWhenNothingIsClose() {
        assertThat(Suggestion.closest("frontends", List.of("listeners", "pools"))).isEmpty();
        assertThat(Suggestion.didYouMean("zzz", List.of("pool"))).isEmpty();
    }

    @Test
    void countsATranspositionAsOneEdit() {
        assertThat(Suggestion.distance("wbe", "web")).isEqualTo(1);
        assertThat(Suggestion.distance("kitten", "sitting")).isEqualTo(3);
        assertThat(Suggestion.distance("", "abc")).isEqualTo(3);
    }
}
