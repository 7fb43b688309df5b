package io.halb.tls;

import io.halb.config.TlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * TLS termination for one listener: an SSL context per certificate, the one a handshake uses
 * chosen by the ClientHello's SNI among the names each certificate carries (the first certificate
 * for clients that send no name, or a name none carries).
 *
 * <p>Reload: {@link #refresh()} (called off the event loops, about every second) reads the files
 * again when one of them changed on disk; a pair that loads and checks out replaces the contexts
 * for the next handshakes, a broken one is refused with an error naming the file, and the
 * previous certificates keep serving. Connections already established keep theirs.
 *
 * <p>Thread-safety: {@link #newHandler()} may be called from any thread (event loops); the current
 * contexts sit behind one volatile reference that {@link #refresh()} replaces whole. Refreshes (the
 * watcher thread, a configuration reload) are serialized on this object.
 */
public final class ServerTls implements Reloadable {

    private static final Logger log = LoggerFactory.getLogger(ServerTls.class);

    /** Sessions kept for resumption by ID, per context, and how long; tickets need no cache. */
    private static final long SESSION_CACHE_SIZE = 20_480;
    private static final long SESSION_TIMEOUT_SECONDS = 300;
    /** A ClientHello with many extensions (post-quantum key shares) is a few KiB; this is ample. */
    private static final int MAX_CLIENT_HELLO = 16 * 1024;

    /** The contexts of one load of the files: immutable. */
    private record Contexts(List<CertifiedKey> keys, List<SslContext> contexts, NameTable<SslContext> byName,
                            FileStamps stamps) {
        SslContext select(String sni) {
            SslContext c = byName.find(sni);
            return c != null ? c : contexts.get(0);
        }
    }

    private final String owner;
    private final TlsConfig config;
    private final SslProvider provider;
    private final long handshakeTimeoutMillis;
    private final List<String> alpn;
    private volatile Contexts current;

    private ServerTls(String owner, TlsConfig config, SslProvider provider, Duration handshakeTimeout,
                      List<String> alpn, Contexts first) {
        this.owner = owner;
        this.config = config;
        this.provider = provider;
        this.handshakeTimeoutMillis = handshakeTimeout.toMillis();
        this.alpn = List.copyOf(alpn);
        this.current = first;
    }

    /**
     * Loads every certificate of {@code config}. Blocking file I/O: never on an event loop.
     *
     * @param owner            who serves it, for logs ({@code "listener web"})
     * @param handshakeTimeout the ClientHello and then the handshake must complete within this
     * @param alpn             the application protocols offered, in order of preference
     */
    public static ServerTls load(String owner, TlsConfig config, Duration handshakeTimeout, List<String> alpn)
            throws CertificateProblem {
        SslProvider provider = TlsProviders.of(config.provider());
        ServerTls tls = new ServerTls(owner, config, provider, handshakeTimeout, alpn, null);
        tls.current = tls.build();
        log.info("{}: tls ({}) with {}", owner, TlsProviders.name(provider), describe(tls.current.keys()));
        return tls;
    }

    /** Whether this serves exactly what a new configuration asks for, so a reload may keep it. */
    public boolean serves(TlsConfig config, Duration handshakeTimeout, List<String> alpn) {
        return this.config.equals(config) && handshakeTimeoutMillis == handshakeTimeout.toMillis()
                && this.alpn.equals(alpn);
    }

    public TlsConfig config() {
        return config;
    }

    /** The provider in use: OpenSSL or the JDK. */
    public SslProvider provider() {
        return provider;
    }

    /** The certificates serving now, in configuration order. */
    public List<CertifiedKey> certificates() {
        return current.keys();
    }

    /**
     * The first handler of a new client connection: it waits for the ClientHello (at most the
     * handshake timeout), then replaces itself with an {@link SslHandler} of the context the
     * server name picks.
     */
    public SniHandler newHandler() {
        Contexts c = current;
        return new SniHandler(c::select, MAX_CLIENT_HELLO, handshakeTimeoutMillis) {
            @Override
            protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
                SslHandler h = context.newHandler(allocator);
                h.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
                return h;
            }
        };
    }

    @Override
    public synchronized void refresh() {
        Contexts c = current;
        if (!c.stamps().changed()) {
            return;
        }
        try {
            Contexts next = build();
            current = next;
            log.info("{}: certificates reloaded from disk: {}", owner, describe(next.keys()));
        } catch (CertificateProblem e) {
            // Keep serving the previous pair; stop retrying until the files change again.
            current = new Contexts(c.keys(), c.contexts(), c.byName(), FileStamps.of(files()));
            log.error("{}: certificate change refused, still serving the previous certificates: {}", owner,
                    e.getMessage());
        }
    }

    private List<Path> files() {
        List<Path> files = new ArrayList<>();
        for (TlsConfig.Certificate c : config.certificates()) {
            files.add(c.cert());
            files.add(c.key());
        }
        config.clientAuth().ifPresent(a -> files.add(a.caFile()));
        return files;
    }

    private Contexts build() throws CertificateProblem {
        // Stamped before reading: a change while reading is seen again at the next refresh.
        FileStamps stamps = FileStamps.of(files());
        X509Certificate[] clientCas = null;
        if (config.clientAuth().isPresent()) {
            clientCas = PemFiles.certificates(config.clientAuth().get().caFile());
        }
        List<CertifiedKey> keys = new ArrayList<>();
        List<SslContext> contexts = new ArrayList<>();
        List<Map.Entry<String, SslContext>> names = new ArrayList<>();
        for (TlsConfig.Certificate c : config.certificates()) {
            CertifiedKey key = CertifiedKey.load(c.cert(), c.key());
            SslContext ctx = context(key, clientCas);
            keys.add(key);
            contexts.add(ctx);
            for (String name : key.names()) {
                names.add(new AbstractMap.SimpleImmutableEntry<>(name, ctx));
            }
        }
        return new Contexts(List.copyOf(keys), List.copyOf(contexts), NameTable.of(names), stamps);
    }

    private SslContext context(CertifiedKey key, X509Certificate[] clientCas) throws CertificateProblem {
        SslContextBuilder b = SslContextBuilder.forServer(key.key(), key.chain())
                .sslProvider(provider)
                .protocols(TlsProviders.PROTOCOLS)
                .ciphers(TlsProviders.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                .sessionCacheSize(SESSION_CACHE_SIZE)
                .sessionTimeout(SESSION_TIMEOUT_SECONDS)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        alpn));
        if (clientCas != null) {
            TlsConfig.ClientAuth auth = config.clientAuth().get();
            b.trustManager(clientCas)
                    .clientAuth(auth.mode() == TlsConfig.ClientAuth.Mode.REQUIRED ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL);
        }
        try {
            return b.build();
        } catch (SSLException | RuntimeException e) {
            throw new CertificateProblem(key.certFile() + ": cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    private static String describe(List<CertifiedKey> keys) {
        List<String> parts = new ArrayList<>();
        for (CertifiedKey k : keys) {
            parts.add(k.certFile().getFileName() + " " + k.names() + " until " + k.notAfter());
        }
        return String.join(", ", parts);
    }

    @Override
    public String toString() {
        return owner + " tls";
    }

    /** For tests and logs: the certificates' names in order. */
    List<List<String>> names() {
        return current.keys().stream().map(CertifiedKey::names).toList();
    }
}
