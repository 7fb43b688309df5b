package io.halb.proxy.http;

import io.netty.util.concurrent.FastThreadLocal;

/**
 * A byte array per thread (an event loop's) that the head parsers copy a head into, so they read
 * it with plain array access rather than a checked buffer access per byte. Its contents live only
 * for the call that filled it.
 */
final class Scratch {

    /** Longest head a parser copies: the largest limit it is given, plus one. */
    static final int SIZE = 32 * 1024 + 1;

    private static final FastThreadLocal<byte[]> ARRAY = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[SIZE];
        }
    };

    private Scratch() {}

    static byte[] array() {
        return ARRAY.get();
    }
}
