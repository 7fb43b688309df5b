package io.halb.proxy.http;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * Reading HTTP/1.1 heads as bytes for {@link RawRequestHead} and {@link RawResponseHead}: a head is
 * copied once into the thread's {@link Scratch} array ({@link #load}) and read there with plain
 * array access (a checked buffer access per byte cost several percent of halb's CPU, issue 9).
 * Token and field-value rules are RFC 9110 §5.1 and §5.5.
 *
 * <p>Stateless; the array {@link #load} returns is the calling thread's and lives for one call.
 */
final class HeadBytes {

    private HeadBytes() {}

    /** Copies {@code length} bytes of {@code in} from {@code index} into the thread's scratch array. */
    static byte[] load(ByteBuf in, int index, int length) {
        byte[] b = Scratch.array();
        in.getBytes(index, b, 0, length);
        return b;
    }

    /** Copies {@code in}'s bytes from {@code from} to {@code to} onto {@code out} (memory to memory, no NIO view). */
    static void copy(ByteBuf in, int from, int to, ByteBuf out) {
        if (to > from) {
            in.getBytes(from, out, to - from);
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static String string(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1);
    }

    static int indexOfLf(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** The colon's index if the line starts with a non-empty token and a colon; else -1. */
    static int nameEnd(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if (c == ':') {
                return i == from ? -1 : i;
            }
            if (!isTchar(c)) {
                return -1;
            }
        }
        return -1;
    }

    /** The index of the line's first colon, or {@code to}. */
    static int colon(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == ':') {
                return i;
            }
        }
        return to;
    }

    static boolean isTchar(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '_' || c == '.' || c == '!' || c == '#' || c == '$' || c == '%' || c == '&'
                || c == '\'' || c == '*' || c == '+' || c == '^' || c == '`' || c == '|' || c == '~';
    }

    /** Field value bytes: visible, space, tab or obs-text; no other control byte. */
    static boolean validValue(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            byte c = b[i];
            if ((c >= 0 && c < ' ' && c != '\t') || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    static int skipSpaces(byte[] b, int from, int to) {
        while (from < to && (b[from] == ' ' || b[from] == '\t')) {
            from++;
        }
        return from;
    }

    static int trimSpaces(byte[] b, int from, int to) {
        while (to > from && (b[to - 1] == ' ' || b[to - 1] == '\t')) {
            to--;
        }
        return to;
    }

    /** Whether the bytes from {@code from} equal {@code bytes} exactly. */
    static boolean startsWith(byte[] b, int from, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            if (b[from + i] != bytes[i]) {
                return false;
            }
        }
        return true;
    }

    /** Whether the bytes equal {@code lower} (lower-case ASCII) ignoring ASCII case. */
    static boolean equalsIgnoreCase(byte[] b, int from, int to, byte[] lower) {
        if (to - from != lower.length) {
            return false;
        }
        for (int i = 0; i < lower.length; i++) {
            byte c = b[from + i];
            if (c >= 'A' && c <= 'Z') {
                c += 'a' - 'A';
            }
            if (c != lower[i]) {
                return false;
            }
        }
        return true;
    }

    /** The kind of the name from {@code from} to {@code to}: {@code kinds[k]} if it is {@code names[k]}, else {@code other}. */
    static int kindOf(byte[] b, int from, int to, byte[][] names, int[] kinds, int other) {
        int length = to - from;
        for (int k = 0; k < names.length; k++) {
            if (names[k].length == length && equalsIgnoreCase(b, from, to, names[k])) {
                return kinds[k];
            }
        }
        return other;
    }
}
