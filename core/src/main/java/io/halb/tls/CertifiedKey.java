package io.halb.tls;

import java.nio.file.Path;
import java.security.InvalidKeyException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * A certificate chain with its private key, checked to belong together and to be valid now, and
 * the DNS names the leaf certificate carries (SAN DNS names and the subject CN). Immutable.
 */
public record CertifiedKey(Path certFile, Path keyFile, X509Certificate[] chain, PrivateKey key, List<String> names) {

    public CertifiedKey {
        names = List.copyOf(names);
    }

    /** Loads and checks a pair. Blocking file I/O: never on an event loop. */
    public static CertifiedKey load(Path certFile, Path keyFile) throws CertificateProblem {
        X509Certificate[] chain = PemFiles.certificates(certFile);
        PrivateKey key = PemFiles.privateKey(keyFile);
        X509Certificate leaf = chain[0];
        try {
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new CertificateProblem(certFile + ": certificate expired on " + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new CertificateProblem(certFile + ": certificate not valid before " + leaf.getNotBefore().toInstant());
        }
        if (!belongTogether(leaf.getPublicKey(), key)) {
            throw new CertificateProblem(keyFile + ": the private key does not match the certificate in " + certFile);
        }
        return new CertifiedKey(certFile, keyFile, chain, key, names(leaf));
    }

    /** When the leaf certificate expires. */
    public Instant notAfter() {
        return chain[0].getNotAfter().toInstant();
    }

    /** The leaf certificate's subject, RFC 2253. */
    public String subject() {
        return chain[0].getSubjectX500Principal().getName();
    }

    /** Signs a random challenge with the key and verifies it with the certificate's public key. */
    private static boolean belongTogether(PublicKey publicKey, PrivateKey key) throws CertificateProblem {
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        if (publicKey instanceof RSAKey pub && key instanceof RSAKey priv) {
            return pub.getModulus().equals(priv.getModulus());
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            case "DSA" -> "SHA256withDSA";
            default -> null;
        };
        if (algorithm == null) {
            return true; // cannot tell here; the handshake will
        }
        if (publicKey instanceof ECKey pub && key instanceof ECKey priv
                && !pub.getParams().getCurve().equals(priv.getParams().getCurve())) {
            return false;
        }
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (InvalidKeyException e) {
            return false;
        } catch (java.security.GeneralSecurityException e) {
            throw new CertificateProblem("cannot check the private key: " + e.getMessage(), e);
        }
    }

    /** SAN DNS names, then the subject's CN if it looks like a host name; lower case, without duplicates. */
    static List<String> names(X509Certificate cert) {
        Set<String> names = new LinkedHashSet<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (san.size() >= 2 && Integer.valueOf(2).equals(san.get(0)) && san.get(1) instanceof String dns) {
                        names.add(dns.toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // no usable SAN: the CN alone
        }
        try {
            for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String cn
                        && cn.matches("(\\*\\.)?[A-Za-z0-9.-]+")) {
                    names.add(cn.toLowerCase(Locale.ROOT));
                }
            }
        } catch (InvalidNameException e) {
            // no CN
        }
        return new ArrayList<>(names);
    }
}
