package io.halb.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DataSizeTest {

    @Test
    void binaryUnitsArePowersOf1024() {
        assertThat(DataSize.parse("512B").bytes()).isEqualTo(512);
        assertThat(DataSize.parse("64KiB").bytes()).isEqualTo(64 * 1024);
        assertThat(DataSize.parse("1MiB").bytes()).isEqualTo(1024 * 1024);
        assertThat(DataSize.parse("1GiB").bytes()).isEqualTo(1024L * 1024 * 1024);
    }

    @Test
    void decimalUnitsArePowersOf1000() {
        assertThat(DataSize.parse("1KB").bytes()).isEqualTo(1000);
        assertThat(DataSize.parse("2MB").bytes()).isEqualTo(2_000_000);
        assertThat(DataSize.parse("1GB").bytes()).isEqualTo(1_000_000_000);
        assertThat(DataSize.parse(" 8 KiB ").bytes()).isEqualTo(8192);
    }

    @Test
    void aBareNumberOrUnknownUnitIsAnError() {
        assertThatThrownBy(() -> DataSize.parse("64"))
                .hasMessage("'64': missing unit (expected: a number and a unit B, KB, MB, GB, KiB, MiB or GiB, e.g. 64KiB)");
        assertThatThrownBy(() -> DataSize.parse("64kb")).hasMessageContaining("unknown unit 'kb'");
        assertThatThrownBy(() -> DataSize.parse("KiB")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DataSize.parse("1.5MiB")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DataSize.parse("99999999999GiB")).hasMessageContaining("too large");
    }

    @Test
    void printsTheLargestExactBinaryUnit() {
        assertThat(DataSize.parse("64KiB")).hasToString("64KiB");
        assertThat(DataSize.parse("1024KiB")).hasToString("1MiB");
        assertThat(DataSize.parse("1KB")).hasToString("1000B");
        assertThat(DataSize.ofMebibytes(2).toIntBytes()).isEqualTo(2 * 1024 * 1024);
    }
}
