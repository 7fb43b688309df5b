package io.halb.tls;

import io.halb.config.TlsConfig;
import io.halb.config.UpstreamTlsConfig;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

/**
 * TLS from halb to the servers of one pool (re-encryption): verification against a CA file or
 * the system trust store, host name verification, SNI, and an optional client certificate.
 * The client certificate and CA file are read again when they change on disk ({@link #refresh()}).
 *
 * <p>Thread-safety: {@link #newHandler} may be called from any thread; the context sits behind one
 * volatile reference; refreshes are serialized on this object.
 */
public final class ClientTls implements Reloadable {

    private static final Logger log = LoggerFactory.getLogger(ClientTls.class);

    private record Loaded(SslContext context, FileStamps stamps) {}

    private final String owner;
    private final UpstreamTlsConfig config;
    private final SslProvider provider;
    private final long handshakeTimeoutMillis;
    private volatile Loaded current;

    private ClientTls(String owner, UpstreamTlsConfig config, Duration handshakeTimeout) {
        this.owner = owner;
        this.config = config;
        this.provider = TlsProviders.of(TlsConfig.Provider.AUTO);
        this.handshakeTimeoutMillis = handshakeTimeout.toMillis();
    }

    /** Loads the CA file and client certificate of {@code config}. Blocking file I/O. */
    public static ClientTls load(String owner, UpstreamTlsConfig config, Duration handshakeTimeout)
            throws CertificateProblem {
        ClientTls tls = new ClientTls(owner, config, handshakeTimeout);
        tls.current = tls.build();
        return tls;
    }

    /** Whether this does exactly what a new configuration asks for, so a reload may keep it. */
    public boolean serves(UpstreamTlsConfig config, Duration handshakeTimeout) {
        return this.config.equals(config) && handshakeTimeoutMillis == handshakeTimeout.toMillis();
    }

    /**
     * The first handler of a new connection to a server.
     *
     * @param host the server's host as written in its address: the name sent and verified unless
     *             the configuration names another ({@code sni:})
     */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port) {
        String name = config.sni().orElse(host);
        SslHandler h = current.context().newHandler(alloc, name, port);
        if (config.verify() == UpstreamTlsConfig.Verify.REQUIRED) {
            SSLEngine engine = h.engine();
            SSLParameters p = engine.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            engine.setSSLParameters(p);
        }
        h.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
        return h;
    }

    @Override
    public synchronized void refresh() {
        Loaded c = current;
        if (!c.stamps().changed()) {
            return;
        }
        try {
            current = build();
            log.info("{}: tls files reloaded from disk", owner);
        } catch (CertificateProblem e) {
            current = new Loaded(c.context(), FileStamps.of(files()));
            log.error("{}: tls file change refused, still using the previous files: {}", owner, e.getMessage());
        }
    }

    private List<Path> files() {
        List<Path> files = new ArrayList<>();
        config.caFile().ifPresent(files::add);
        config.cert().ifPresent(files::add);
        config.key().ifPresent(files::add);
        return files;
    }

    private Loaded build() throws CertificateProblem {
        FileStamps stamps = FileStamps.of(files());
        SslContextBuilder b = SslContextBuilder.forClient()
                .sslProvider(provider)
                .protocols(TlsProviders.PROTOCOLS)
                .ciphers(TlsProviders.CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
        if (config.verify() == UpstreamTlsConfig.Verify.NONE) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (config.caFile().isPresent()) {
            b.trustManager(PemFiles.certificates(config.caFile().get()));
        }
        // else: the JDK's default trust store (the system CAs)
        if (config.cert().isPresent()) {
            CertifiedKey key = CertifiedKey.load(config.cert().get(), config.key().get());
            b.keyManager(key.key(), key.chain());
        }
        try {
            return new Loaded(b.build(), stamps);
        } catch (SSLException | RuntimeException e) {
            throw new CertificateProblem(owner + ": cannot build a TLS context: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return owner + " tls";
    }
}
