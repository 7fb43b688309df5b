package io.halb.cluster;

import io.halb.config.ClusterConfig.VipConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code driver: exec} runs the user's command with the action, the VIP and the node, as arguments and in the environment. */
class ExecVipDriverTest {

    private static final VipConfig VIP = new VipConfig("198.18.0.100/24", "eth0", VipConfig.Driver.EXEC,
            Optional.empty(), Optional.empty());

    @Test
    void passesActionVipAndNodeToTheCommand(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("calls");
        ExecVipDriver driver = new ExecVipDriver("echo \"$1 $2 $3 $HALB_ACTION $HALB_INTERFACE\" >> " + log, "lb1");
        driver.take(VIP);
        driver.announce(VIP);
        driver.release(VIP);
        assertThat(Files.readAllLines(log)).containsExactly(
                "take 198.18.0.100/24 lb1 take eth0",
                "announce 198.18.0.100/24 lb1 announce eth0",
                "release 198.18.0.100/24 lb1 release eth0");
    }

    @Test
    void aFailingTakeThrowsWithTheCommandsOutput() {
        ExecVipDriver driver = new ExecVipDriver("echo quota exceeded; exit 3", "lb1");
        assertThatThrownBy(() -> driver.take(VIP)).hasMessageContaining("exited with 3").hasMessageContaining("quota exceeded");
    }
}
