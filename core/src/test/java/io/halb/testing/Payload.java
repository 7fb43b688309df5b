package io.halb.testing;

import java.util.Random;
import java.util.zip.CRC32;

/**
 * A deterministic byte stream of any length, generated on the fly so that gigabytes can be sent
 * without being held. The stream is made of 64 KiB blocks of fixed pseudo-random bytes whose first
 * eight bytes are replaced by the block's index (big-endian), so a dropped, repeated or reordered
 * block changes the CRC of what arrives.
 *
 * <p>Stateless; safe from any thread.
 */
public final class Payload {

    /** Size of one block of the stream. */
    public static final int BLOCK = 64 * 1024;

    private static final byte[] BASE = new byte[BLOCK];

    static {
        new Random(0x4a4c42L).nextBytes(BASE);
    }

    private Payload() {}

    /** Writes the stream's bytes {@code [position, position + length)} into {@code dst} at {@code offset}. */
    public static void fill(long position, byte[] dst, int offset, int length) {
        long p = position;
        long end = position + length;
        int o = offset;
        while (p < end) {
            int within = (int) (p % BLOCK);
            int n = (int) Math.min(BLOCK - within, end - p);
            System.arraycopy(BASE, within, dst, o, n);
            if (within < Long.BYTES) {
                long index = p / BLOCK;
                for (int k = within; k < Math.min(Long.BYTES, within + n); k++) {
                    dst[o + k - within] = (byte) (index >>> (56 - 8 * k));
                }
            }
            p += n;
            o += n;
        }
    }

    /** The stream's first {@code length} bytes as an array (for small bodies). */
    public static byte[] bytes(int length) {
        byte[] b = new byte[length];
        fill(0, b, 0, length);
        return b;
    }

    /** The CRC32 of the stream's first {@code length} bytes, generated again here. */
    public static long crc32(long length) {
        CRC32 crc = new CRC32();
        byte[] buf = new byte[BLOCK];
        for (long p = 0; p < length; p += BLOCK) {
            int n = (int) Math.min(BLOCK, length - p);
            fill(p, buf, 0, n);
            crc.update(buf, 0, n);
        }
        return crc.getValue();
    }
}
