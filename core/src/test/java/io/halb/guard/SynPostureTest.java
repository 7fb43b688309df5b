package io.halb.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SYN-flood settings judged from fake /proc trees. */
class SynPostureTest {

    private static final int BACKLOG = 4096;

    @TempDir
    Path proc;

    private void sysctl(String path, String content) throws IOException {
        Path file = proc.resolve("sys").resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private void settings(String syncookies, String somaxconn, String maxSynBacklog) throws IOException {
        sysctl("net/ipv4/tcp_syncookies", syncookies);
        sysctl("net/core/somaxconn", somaxconn);
        sysctl("net/ipv4/tcp_max_syn_backlog", maxSynBacklog);
    }

    @Test
    void strongSettingsGiveNoWarning() throws IOException {
        settings("1\n", "4096\n", "2048\n");

        assertThat(SynPosture.check(proc, BACKLOG)).isEmpty();
    }

    @Test
    void alwaysSendingCookiesAndLargerQueuesGiveNoWarning() throws IOException {
        settings("2\n", "65535\n", "1024\n");

        assertThat(SynPosture.check(proc, BACKLOG)).isEmpty();
    }

    @Test
    void weakSettingsGiveOneWarningEachWithItsFix() throws IOException {
        settings("0\n", "128\n", "128\n");

        List<String> warnings = SynPosture.check(proc, BACKLOG);

        assertThat(warnings).containsExactly(
                "net.ipv4.tcp_syncookies is 0: a SYN flood fills the backlog and real clients cannot connect;"
                        + " set it to 1 (sysctl -w net.ipv4.tcp_syncookies=1)",
                "net.core.somaxconn is 128, below halb's listen backlog of 4096: the kernel caps the accept"
                        + " and SYN queues to it; raise it (sysctl -w net.core.somaxconn=4096)",
                "net.ipv4.tcp_max_syn_backlog is 128, below 1024: without SYN cookies, a listener drops new"
                        + " clients' SYNs once three quarters of this many handshakes are pending; raise it"
                        + " (sysctl -w net.ipv4.tcp_max_syn_backlog=4096)");
    }

    @Test
    void somaxconnIsJudgedAgainstTheBacklogGiven() throws IOException {
        settings("1", "1024", "1024");

        assertThat(SynPosture.check(proc, 1024)).isEmpty();
        assertThat(SynPosture.check(proc, 1025)).singleElement().asString()
                .startsWith("net.core.somaxconn is 1024, below halb's listen backlog of 1025")
                .endsWith("(sysctl -w net.core.somaxconn=1025)");
    }

    @Test
    void saysNothingAboutMissingOrUnreadableSettings() throws IOException {
        assertThat(SynPosture.check(proc, BACKLOG)).isEmpty();
        assertThat(SynPosture.check(proc.resolve("no-such-dir"), BACKLOG)).isEmpty();

        sysctl("net/core/somaxconn", "not a number\n");
        sysctl("net/ipv4/tcp_max_syn_backlog", "");
        sysctl("net/ipv4/tcp_syncookies", "0\n");
        assertThat(SynPosture.check(proc, BACKLOG)).singleElement().asString()
                .startsWith("net.ipv4.tcp_syncookies is 0");
    }

    @Test
    void readsTheRealProcWithoutFailing() {
        assertThat(SynPosture.check(BACKLOG)).allSatisfy(warning -> assertThat(warning).contains("sysctl -w"));
    }

    @Test
    void rejectsABacklogThatIsNotPositive() {
        assertThatThrownBy(() -> SynPosture.check(proc, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("backlog: 0 (expected: > 0)");
    }

    @Test
    void defersAcceptForOneSecond() {
        assertThat(SynPosture.deferAcceptSeconds()).isEqualTo(1);
    }
}
