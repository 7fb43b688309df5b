package io.halb.balance;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * The 64-bit hashes of the hash balancers: FNV-1a over the key's chars or bytes, finished with
 * MurmurHash3's {@code fmix64} so that every input bit reaches every output bit (FNV alone leaves
 * the high bits weak, and the table index is taken from them). Stable across JVMs and versions:
 * every halb node of a cluster maps a key to the same server.
 */
final class Hash64 {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private Hash64() {}

    /** MurmurHash3's 64-bit finalizer: a bijection with full avalanche. */
    static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** The hash of {@code s.subSequence(from, to)} with {@code seed}, without copying. */
    static long of(CharSequence s, int from, int to, long seed) {
        long h = FNV_OFFSET ^ seed;
        for (int i = from; i < to; i++) {
            h = (h ^ s.charAt(i)) * FNV_PRIME;
        }
        return mix(h ^ (to - from));
    }

    static long of(CharSequence s, long seed) {
        return of(s, 0, s.length(), seed);
    }

    /** The hash of an address; IPv4 without allocating. */
    static long of(InetAddress address) {
        if (address instanceof Inet4Address) {
            // Inet4Address.hashCode() is the address itself, as a big-endian int.
            return mix(0x4_0000_0000L | (address.hashCode() & 0xffffffffL));
        }
        long h = FNV_OFFSET;
        for (byte b : address.getAddress()) {
            h = (h ^ (b & 0xff)) * FNV_PRIME;
        }
        return mix(h);
    }
}
