package io.halb.testing;

import io.netty.buffer.ByteBuf;

import java.nio.ByteBuffer;
import java.util.zip.CRC32;

/**
 * The length and CRC32 of a body seen piece by piece, so that a body of any size can be checked
 * without being kept. Not thread-safe: one reader feeds it.
 */
public final class BodyDigest {

    private final CRC32 crc = new CRC32();
    private long length;

    /** Adds {@code b[off, off + len)}. */
    public void update(byte[] b, int off, int len) {
        crc.update(b, off, len);
        length += len;
    }

    /** Adds the readable bytes of {@code buf} without moving its reader index. */
    public void update(ByteBuf buf) {
        int n = buf.readableBytes();
        if (n == 0) {
            return;
        }
        for (ByteBuffer nio : buf.nioBuffers(buf.readerIndex(), n)) {
            crc.update(nio);
        }
        length += n;
    }

    public long length() {
        return length;
    }

    public long crc32() {
        return crc.getValue();
    }

    public void reset() {
        crc.reset();
        length = 0;
    }

    @Override
    public String toString() {
        return length + " bytes, crc32 " + Long.toHexString(crc.getValue());
    }
}
