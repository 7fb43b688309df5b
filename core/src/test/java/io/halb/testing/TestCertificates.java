package io.halb.testing;

import io.halb.tls.CertificateProblem;
import io.halb.tls.CertifiedKey;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Certificates made at test time with the {@code openssl} command (none are committed): a CA in a
 * temporary directory and leaf certificates it signs, each with the DNS names asked for. Without
 * openssl the test is skipped, or fails when {@code CI=true}. Not thread-safe.
 */
public final class TestCertificates {

    /** A PEM certificate and its PKCS#8 key. */
    public record Pair(Path cert, Path key) {}

    private final Path dir;
    private final Path caCert;
    private final Path caKey;
    private int serial;

    private TestCertificates(Path dir, String caName) throws IOException, InterruptedException {
        this.dir = dir;
        this.caCert = dir.resolve(caName + ".pem");
        this.caKey = dir.resolve(caName + ".key");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", caKey.toString(), "-out", caCert.toString(), "-days", "2", "-subj", "/CN=" + caName);
    }

    /** A new CA in {@code dir}. */
    public static TestCertificates ca(Path dir, String caName) throws IOException, InterruptedException {
        requireOpenssl();
        return new TestCertificates(dir, caName);
    }

    /** The CA's certificate (PEM). */
    public Path caCert() {
        return caCert;
    }

    /**
     * A leaf certificate signed by this CA, subject {@code CN=cn}, with SAN DNS names {@code dns}
     * (and IP 127.0.0.1), files {@code file.pem} and {@code file.key}.
     */
    public Pair issue(String file, String cn, String... dns) throws IOException, InterruptedException {
        Path key = dir.resolve(file + ".key");
        Path csr = dir.resolve(file + ".csr");
        Path cert = dir.resolve(file + ".pem");
        Path ext = dir.resolve(file + ".ext");
        List<String> sans = new ArrayList<>();
        for (String d : dns) {
            sans.add("DNS:" + d);
        }
        sans.add("IP:127.0.0.1");
        Files.writeString(ext, "subjectAltName=" + String.join(",", sans) + "\n");
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(),
                "-out", csr.toString(), "-subj", "/CN=" + cn);
        openssl("x509", "-req", "-in", csr.toString(), "-CA", caCert.toString(), "-CAkey", caKey.toString(),
                "-set_serial", String.valueOf(1000 + ++serial), "-out", cert.toString(), "-days", "2",
                "-extfile", ext.toString());
        return new Pair(cert, key);
    }

    /** A leaf certificate signed by this CA that expired in 2020 (CN {@code cn}), for refusal tests. */
    public Pair issueExpired(String file, String cn) throws IOException, InterruptedException {
        Path key = dir.resolve(file + ".key");
        Path csr = dir.resolve(file + ".csr");
        Path cert = dir.resolve(file + ".pem");
        Path caDir = dir.resolve(file + "-ca");
        Files.createDirectories(caDir);
        Files.writeString(caDir.resolve("index.txt"), "");
        Files.writeString(caDir.resolve("serial"), "2000\n");
        Path cnf = caDir.resolve("ca.cnf");
        Files.writeString(cnf, """
                [ca]
                default_ca = test
                [test]
                dir = %s
                database = %s/index.txt
                new_certs_dir = %s
                serial = %s/serial
                default_md = sha256
                policy = any
                [any]
                commonName = supplied
                """.formatted(caDir, caDir, caDir, caDir));
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key.toString(),
                "-out", csr.toString(), "-subj", "/CN=" + cn);
        openssl("ca", "-batch", "-config", cnf.toString(), "-cert", caCert.toString(), "-keyfile", caKey.toString(),
                "-in", csr.toString(), "-out", cert.toString(), "-startdate", "20200101000000Z",
                "-enddate", "20200102000000Z");
        return new Pair(cert, key);
    }

    /** Replaces {@code target}'s files with {@code source}'s, each by an atomic rename (as deployment tools do). */
    public static void replace(Pair target, Pair source) throws IOException {
        copyAtomically(source.cert(), target.cert());
        copyAtomically(source.key(), target.key());
    }

    /** Replaces one file by an atomic rename of a copy of {@code source}. */
    public static void copyAtomically(Path source, Path target) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Trust managers that trust this CA only. */
    public javax.net.ssl.TrustManager[] trustManagers() throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", readCert(caCert));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        return tmf.getTrustManagers();
    }

    /** An SSL context (TLS 1.2/1.3) trusting this CA, presenting {@code client} if given. */
    public SSLContext clientContext(Pair client) throws GeneralSecurityException, IOException, CertificateProblem {
        KeyManagerFactory kmf = null;
        if (client != null) {
            kmf = keyManagers(client);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf == null ? null : kmf.getKeyManagers(), trustManagers(), null);
        return ctx;
    }

    /** Key managers holding {@code pair}: for JDK TLS servers in tests. */
    public static KeyManagerFactory keyManagers(Pair pair) throws GeneralSecurityException, IOException, CertificateProblem {
        CertifiedKey k = CertifiedKey.load(pair.cert(), pair.key());
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("key", k.key(), "pw".toCharArray(), k.chain());
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "pw".toCharArray());
        return kmf;
    }

    public static X509Certificate readCert(Path pem) throws IOException, GeneralSecurityException {
        try (var in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
    }

    /** Runs {@code openssl args}; fails with its output when it exits non-zero. */
    public static String openssl(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add("openssl");
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("openssl did not finish: " + cmd);
        }
        if (p.exitValue() != 0) {
            throw new IOException("openssl failed (" + p.exitValue() + "): " + cmd + "\n" + out);
        }
        return out;
    }

    /** Skips the test without the openssl command, or fails it under CI=true. */
    public static void requireOpenssl() {
        boolean present;
        try {
            Process p = new ProcessBuilder("openssl", "version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            present = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            present = false;
        }
        if (!present && "true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("the openssl command is required (CI=true); install the openssl package");
        }
        assumeTrue(present, "the openssl command is not installed");
    }
}
