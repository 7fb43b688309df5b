package io.halb.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads PEM certificates and PKCS#8 private keys. Blocking file I/O: never on an event loop. */
final class PemFiles {

    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final List<String> KEY_ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS", "DSA");

    private PemFiles() {}

    /** The certificates of a PEM file, in file order (a chain: leaf first). */
    static X509Certificate[] certificates(Path file) throws CertificateProblem {
        String text = read(file);
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            Matcher m = BLOCK.matcher(text);
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE")) {
                    byte[] der = decode(file, m.group(2));
                    out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(der)));
                }
            }
        } catch (CertificateException e) {
            throw new CertificateProblem(file + ": not a valid certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new CertificateProblem(file + ": no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
        }
        return out.toArray(X509Certificate[]::new);
    }

    /** The private key of a PEM file: unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY}). */
    static PrivateKey privateKey(Path file) throws CertificateProblem {
        String text = read(file);
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            if (type.equals("PRIVATE KEY")) {
                byte[] der = decode(file, m.group(2));
                for (String algorithm : KEY_ALGORITHMS) {
                    try {
                        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                    } catch (GeneralSecurityException e) {
                        // try the next algorithm
                    }
                }
                throw new CertificateProblem(file + ": unsupported private key (expected RSA, EC or Ed25519 in PKCS#8)");
            }
            if (type.endsWith("PRIVATE KEY")) {
                throw new CertificateProblem(file + ": '" + type + "' key (expected unencrypted PKCS#8, "
                        + "-----BEGIN PRIVATE KEY-----; convert with: openssl pkcs8 -topk8 -nocrypt -in "
                        + file.getFileName() + ")");
            }
        }
        throw new CertificateProblem(file + ": no PEM private key (expected -----BEGIN PRIVATE KEY-----)");
    }

    private static String read(Path file) throws CertificateProblem {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new CertificateProblem(file + ": cannot read: " + describe(e), e);
        } catch (RuntimeException e) {
            throw new CertificateProblem(file + ": cannot read: not a PEM text file", e);
        }
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static byte[] decode(Path file, String base64) throws CertificateProblem {
        try {
            return Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new CertificateProblem(file + ": broken PEM block: " + e.getMessage(), e);
        }
    }
}
