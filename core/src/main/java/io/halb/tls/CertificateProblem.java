package io.halb.tls;

/**
 * A certificate or key that cannot be used: unreadable, not PEM, expired, or a key that does not
 * belong to the certificate. The message names the file and says what is wrong, in one line.
 */
public final class CertificateProblem extends Exception {

    private static final long serialVersionUID = 1L;

    CertificateProblem(String message) {
        super(message);
    }

    CertificateProblem(String message, Throwable cause) {
        super(message, cause);
    }
}
