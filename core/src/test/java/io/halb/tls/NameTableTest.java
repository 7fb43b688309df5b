package io.halb.tls;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class NameTableTest {

    @Test
    void exactNamesWinOverWildcardsAndTheFirstEntryWinsATie() {
        NameTable<String> t = NameTable.of(List.of(Map.entry("a.example.com", "A"), Map.entry("*.example.com", "W"),
                Map.entry("A.EXAMPLE.COM", "later")));
        assertThat(t.find("a.example.com")).isEqualTo("A");
        assertThat(t.find("A.Example.Com.")).isEqualTo("A");
        assertThat(t.find("b.example.com")).isEqualTo("W");
        assertThat(t.find("example.com")).isNull();
        assertThat(t.find(null)).isNull();
    }

    @Test
    void aCertificateWildcardCoversOneLabelAndARouteWildcardAny() {
        List<Map.Entry<String, String>> entries = List.of(Map.entry("*.example.com", "W"));
        assertThat(NameTable.of(entries).find("x.y.example.com")).isNull();
        assertThat(NameTable.of(entries, true).find("x.y.example.com")).isEqualTo("W");
        assertThat(NameTable.of(entries, true).find("x.example.com")).isEqualTo("W");
        assertThat(NameTable.of(entries, true).find("example.com")).isNull();
    }
}
