package io.halb.persist;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Opaque, stable ids for servers, as carried by persistence cookies. An id is derived from the pool
 * and server names only, so it is the same on every node of a cluster and across restarts and
 * reloads, and it reveals nothing about the server's address.
 */
public final class ServerIds {

    /** Length of an id: 72 bits of SHA-256, base64url. Collisions within a pool are checked at build time. */
    public static final int LENGTH = 12;

    private ServerIds() {}

    public static String of(String pool, String server) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest((pool + '\0' + server).getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("SHA-256 is required of every JDK", e);
        }
    }

    /** Whether {@code value} has the shape of an id (a cheap filter for tampered cookies). */
    public static boolean looksLikeId(String value) {
        if (value == null || value.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < LENGTH; i++) {
            char c = value.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
