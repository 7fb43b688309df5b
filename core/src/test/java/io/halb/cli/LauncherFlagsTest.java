package io.halb.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JVM flags the {@code ./halb} launcher chooses (docs/performance.md): the collector, the heap
 * sizing for idle memory and the class-data archive for start-up, per JDK version. Runs the real
 * script with {@code HALB_LAUNCHER_DRY_RUN=1} (it prints the command instead of building or
 * starting anything) against fake JDK directories whose {@code release} file names the version.
 */
class LauncherFlagsTest {

    private static final Path LAUNCHER = Path.of("../halb").toAbsolutePath().normalize();

    @Test
    void jdk25GetsParallelGcUnsafeAccessAndAnArchive(@TempDir Path dir) throws Exception {
        String cmd = launch(fakeJdk(dir, "25.0.3"), Map.of());
        assertThat(cmd).contains(" -XX:+UseParallelGC ", " --sun-misc-unsafe-memory-access=allow ",
                " -XX:+AutoCreateSharedArchive ", "halb-jdk25.jsa", " -XX:+ExitOnOutOfMemoryError ");
        assertThat(cmd).doesNotContain("ZGC");
        assertThat(cmd).endsWith("halb.jar run -c x.yaml");
    }

    @Test
    void optionsOfTheUserComeAfterTheLaunchersOwn(@TempDir Path dir) throws Exception {
        Path java = fakeJdk(dir, "25.0.3");
        for (String opts : new String[] {"-Xmx48m", "-Xms1g", "-XX:+UseZGC"}) {
            String cmd = launch(java, Map.of("HALB_JAVA_OPTS", opts));
            assertThat(cmd).as(opts).contains(" " + opts + " -jar ");
        }
    }

    @Test
    void jdk17GetsParallelGcAndNoArchive(@TempDir Path dir) throws Exception {
        String cmd = launch(fakeJdk(dir, "17.0.15"), Map.of());
        assertThat(cmd).contains(" -XX:+UseParallelGC ")
                .doesNotContain("SharedArchive").doesNotContain("unsafe-memory-access");
    }

    @Test
    void jdk21GetsAnArchiveThatCanBeTurnedOff(@TempDir Path dir) throws Exception {
        Path java = fakeJdk(dir, "21.0.5");
        assertThat(launch(java, Map.of())).contains(" -XX:+UseParallelGC ", "halb-jdk21.jsa");
        assertThat(launch(java, Map.of("HALB_CDS", "0"))).doesNotContain("SharedArchive");
    }

    /** A directory that looks like a JDK of that version: bin/java (never run) and a release file. */
    private static Path fakeJdk(Path dir, String version) throws IOException {
        Path home = dir.resolve("jdk-" + version);
        Files.createDirectories(home.resolve("bin"));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        Path java = home.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\necho 'fake java must not run' >&2; exit 3\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return java;
    }

    private static String launch(Path java, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", LAUNCHER.toString(), "run", "-c", "x.yaml").redirectErrorStream(true);
        pb.environment().remove("HALB_JAVA_OPTS");
        pb.environment().remove("HALB_CDS");
        pb.environment().put("HALB_JAVA", java.toString());
        pb.environment().put("HALB_LAUNCHER_DRY_RUN", "1");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).startsWith(java.toString() + " ");
        return out;
    }
}
