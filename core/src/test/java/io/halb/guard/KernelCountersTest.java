package io.halb.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.halb.admin.Metrics;
import io.halb.admin.PoolView;
import io.halb.admin.StatusView;
import io.halb.testing.ReadOnlyPlane;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /proc/net/netstat parsed from a copy of a real one, from the real one, and exposed as metrics. */
class KernelCountersTest {

    /** The TcpExt lines of a Linux 6.x /proc/net/netstat, copied as they were. */
    private static final String TCP_EXT_NAMES = "TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts PruneCalled "
            + "RcvPruned OfoPruned OutOfWindowIcmps LockDroppedIcmps ArpFilter TW TWRecycled TWKilled "
            + "PAWSActive PAWSEstab BeyondWindow TSEcrRejected PAWSOldAck PAWSTimewait DelayedACKs "
            + "DelayedACKLocked DelayedACKLost ListenOverflows ListenDrops TCPHPHits TCPPureAcks "
            + "TCPHPAcks TCPRenoRecovery TCPSackRecovery TCPSACKReneging TCPSACKReorder TCPRenoReorder "
            + "TCPTSReorder TCPFullUndo TCPPartialUndo TCPDSACKUndo TCPLossUndo TCPLostRetransmit "
            + "TCPRenoFailures TCPSackFailures TCPLossFailures TCPFastRetrans TCPSlowStartRetrans "
            + "TCPTimeouts TCPLossProbes TCPLossProbeRecovery TCPRenoRecoveryFail TCPSackRecoveryFail "
            + "TCPRcvCollapsed TCPBacklogCoalesce TCPDSACKOldSent TCPDSACKOfoSent TCPDSACKRecv "
            + "TCPDSACKOfoRecv TCPAbortOnData TCPAbortOnClose TCPAbortOnMemory TCPAbortOnTimeout "
            + "TCPAbortOnLinger TCPAbortFailed TCPMemoryPressures TCPMemoryPressuresChrono "
            + "TCPSACKDiscard TCPDSACKIgnoredOld TCPDSACKIgnoredNoUndo TCPSpuriousRTOs TCPMD5NotFound "
            + "TCPMD5Unexpected TCPMD5Failure TCPSackShifted TCPSackMerged TCPSackShiftFallback "
            + "TCPBacklogDrop PFMemallocDrop TCPMinTTLDrop TCPDeferAcceptDrop IPReversePathFilter "
            + "TCPTimeWaitOverflow TCPReqQFullDoCookies TCPReqQFullDrop TCPRetransFail TCPRcvCoalesce "
            + "TCPOFOQueue TCPOFODrop TCPOFOMerge TCPChallengeACK TCPSYNChallenge TCPFastOpenActive "
            + "TCPFastOpenActiveFail TCPFastOpenPassive TCPFastOpenPassiveFail "
            + "TCPFastOpenListenOverflow TCPFastOpenCookieReqd TCPFastOpenBlackhole "
            + "TCPSpuriousRtxHostQueues BusyPollRxPackets TCPAutoCorking TCPFromZeroWindowAdv "
            + "TCPToZeroWindowAdv TCPWantZeroWindowAdv TCPSynRetrans TCPOrigDataSent "
            + "TCPHystartTrainDetect TCPHystartTrainCwnd TCPHystartDelayDetect TCPHystartDelayCwnd "
            + "TCPACKSkippedSynRecv TCPACKSkippedPAWS TCPACKSkippedSeq TCPACKSkippedFinWait2 "
            + "TCPACKSkippedTimeWait TCPACKSkippedChallenge TCPWinProbe TCPKeepAlive TCPMTUPFail "
            + "TCPMTUPSuccess TCPDelivered TCPDeliveredCE TCPAckCompressed TCPZeroWindowDrop "
            + "TCPRcvQDrop TCPWqueueTooBig TCPFastOpenPassiveAltKey TcpTimeoutRehash "
            + "TcpDuplicateDataRehash TCPDSACKRecvSegs TCPDSACKIgnoredDubious TCPMigrateReqSuccess "
            + "TCPMigrateReqFailure TCPPLBRehash TCPAORequired TCPAOBad TCPAOKeyNotFound TCPAOGood "
            + "TCPAODroppedIcmps";
    private static final String TCP_EXT_VALUES = "TcpExt: 0 0 0 0 9 0 0 0 0 0 457711 305599 0 0 1 0 0 0 1 210546 14 2944 0 0 338228225 "
            + "1927476 338784240 0 2030 0 2537 0 588 907 586 398 0 12 0 0 0 1848 0 2 2112 18 0 0 0 "
            + "605841 2961 0 2851 0 7638 14373 0 0 0 0 0 0 0 171 1431 0 0 0 0 24 324 3296 0 0 0 0 0 0 0 "
            + "0 0 642139 3397 0 0 0 0 0 0 0 0 0 0 0 2 0 0 96980 96983 77923 0 360841256 0 0 0 0 0 0 19 "
            + "0 0 0 100 0 0 0 361306184 0 11 0 0 0 0 2 0 3182 0 0 0 0 0 0 0 0 0";

    /** The IpExt lines that follow them in the real file: same layout, other names. */
    private static final String IP_EXT = "IpExt: InNoRoutes InTruncatedPkts InMcastPkts\n"
            + "IpExt: 0 0 7\n";

    @TempDir
    Path proc;

    private void netstat(String content) throws IOException {
        Files.createDirectories(proc.resolve("net"));
        Files.writeString(proc.resolve("net/netstat"), content);
    }

    @Test
    void readsTheSynFloodCountersByNameFromTheTcpExtLines() throws IOException {
        netstat(TCP_EXT_NAMES + "\n" + TCP_EXT_VALUES + "\n" + IP_EXT);

        Map<String, Long> counters = KernelCounters.read(proc).orElseThrow();

        assertThat(counters).containsOnlyKeys(KernelCounters.NAMES);
        assertThat(counters.keySet()).containsExactlyElementsOf(KernelCounters.NAMES);
        for (String name : KernelCounters.NAMES) {
            assertThat(counters.get(name)).as(name).isEqualTo(valueOf(name));
        }
    }

    @Test
    void matchesByNameNotByPositionAndLeavesOutWhatTheKernelLacks() throws IOException {
        netstat("TcpExt: SyncookiesFailed ListenDrops Other ListenOverflows\n"
                + "TcpExt: 3 17 99 12\n");

        assertThat(KernelCounters.read(proc)).contains(
                Map.of("ListenOverflows", 12L, "ListenDrops", 17L, "SyncookiesFailed", 3L));
    }

    @Test
    void leavesOutValuesThatAreNotNumbers() throws IOException {
        netstat("TcpExt: ListenOverflows ListenDrops\nTcpExt: x 5\n");

        assertThat(KernelCounters.read(proc)).contains(Map.of("ListenDrops", 5L));
    }

    @Test
    void isEmptyWithoutTheFileOrWithoutTcpExtLines() throws IOException {
        assertThat(KernelCounters.read(proc)).isEmpty();

        netstat(IP_EXT);
        assertThat(KernelCounters.read(proc)).isEmpty();

        netstat(TCP_EXT_NAMES + "\n");
        assertThat(KernelCounters.read(proc)).isEmpty();
    }

    @Test
    void readsTheRealNetstatOfThisMachine() {
        assumeThat(Path.of("/proc/net/netstat")).isReadable();

        Optional<Map<String, Long>> counters = KernelCounters.read();

        assertThat(counters).isPresent();
        assertThat(counters.orElseThrow()).containsKeys("ListenOverflows", "ListenDrops");
        assertThat(counters.orElseThrow().values()).allSatisfy(value -> assertThat(value).isNotNegative());
    }

    @Test
    void metricNamesAreTheKernelNamesInSnakeCase() {
        assertThat(KernelCounters.metricName("ListenOverflows")).isEqualTo("halb_kernel_tcp_listen_overflows");
        assertThat(KernelCounters.metricName("TCPReqQFullDoCookies"))
                .isEqualTo("halb_kernel_tcp_reqq_full_do_cookies");
        for (String name : KernelCounters.NAMES) {
            assertThat(KernelCounters.metricName(name)).matches("halb_kernel_tcp_[a-z_]+[a-z]");
            assertThat(KernelCounters.help(name)).contains(name);
        }
    }

    @Test
    void everyCounterThisKernelHasIsInTheScrape() {
        assumeThat(Path.of("/proc/net/netstat")).isReadable();
        Map<String, Long> before = KernelCounters.read().orElseThrow();

        String text = new Metrics(new EmptyPlane()).scrape();

        for (Map.Entry<String, Long> counter : before.entrySet()) {
            String family = KernelCounters.metricName(counter.getKey()) + "_total";
            String sample = text.lines()
                    .filter(line -> line.startsWith(family + " "))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(family + " not in the scrape"));
            // Counters only grow between the read above and the scrape.
            assertThat(Double.parseDouble(sample.substring(family.length() + 1)))
                    .as(family)
                    .isGreaterThanOrEqualTo(counter.getValue());
            assertThat(text).contains("# HELP " + family + " ");
            assertThat(text).contains("# TYPE " + family + " counter");
        }
        assertThat(text).contains("halb_kernel_tcp_listen_overflows_total ");
    }

    private static long valueOf(String name) {
        List<String> names = List.of(TCP_EXT_NAMES.split(" "));
        List<String> values = List.of(TCP_EXT_VALUES.split(" "));
        return Long.parseLong(values.get(names.indexOf(name)));
    }

    /** A control plane with no listeners and no pools; Metrics reads only its status at a scrape. */
    private static final class EmptyPlane extends ReadOnlyPlane {
        @Override
        public StatusView status() {
            return new StatusView("1.2.3", 1_700_000_000_500L, 1000, "lb1", "standalone", "halb.yaml",
                    1_700_000_001_000L, "epoll", 2, 0, 0);
        }
    }
}
