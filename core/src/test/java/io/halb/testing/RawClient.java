package io.halb.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A blocking socket client that sends exact bytes and reads HTTP responses (or anything else) byte
 * for byte, for tests where an HTTP library would hide what is on the wire: pipelining, interim
 * responses, half-close, hop-by-hop headers.
 *
 * <p>Every read waits at most the read timeout; the whole connection lives at most its deadline,
 * after which it is closed under the test's feet so that a blocked write cannot hang the build.
 * Not thread-safe: one test thread uses it (a second thread may write while one reads).
 */
public final class RawClient implements Closeable {

    private static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(60);
    private static final ScheduledExecutorService WATCHDOG = watchdog();

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final ScheduledFuture<?> deadline;

    private RawClient(Socket socket, Duration deadline) throws IOException {
        this.socket = socket;
        this.in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        this.out = socket.getOutputStream();
        this.deadline = WATCHDOG.schedule(this::closeQuietly, deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Connects with a 10 s read timeout and a 60 s deadline. */
    public static RawClient connect(InetSocketAddress address) throws IOException {
        return connect(address, DEFAULT_READ_TIMEOUT, DEFAULT_DEADLINE);
    }

    public static RawClient connect(InetSocketAddress address, Duration readTimeout, Duration deadline)
            throws IOException {
        return connect(address, null, readTimeout, deadline);
    }

    /**
     * Connects from {@code from} (an address of 127.0.0.0/8 such as 127.0.0.2: the whole block is
     * local on Linux), so tests can play several clients; a 10 s read timeout and a 60 s deadline.
     */
    public static RawClient connectFrom(InetSocketAddress address, String from) throws IOException {
        return connect(address, from, DEFAULT_READ_TIMEOUT, DEFAULT_DEADLINE);
    }

    private static RawClient connect(InetSocketAddress address, String from, Duration readTimeout, Duration deadline)
            throws IOException {
        Socket s = new Socket();
        try {
            if (from != null) {
                s.bind(new InetSocketAddress(java.net.InetAddress.getByName(from), 0));
            }
            s.setTcpNoDelay(true);
            s.connect(address, 5_000);
            s.setSoTimeout((int) readTimeout.toMillis());
            return new RawClient(s, deadline);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** {@code GET path HTTP/1.1} with a Host header and any extra header lines ({@code "Name: value"}). */
    public static String get(String host, String path, String... headers) {
        return request("GET", host, path, headers);
    }

    /** A request head without a body, ending with the blank line. */
    public static String request(String method, String host, String path, String... headers) {
        StringBuilder sb = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: ").append(host).append("\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    public RawClient write(String ascii) throws IOException {
        return write(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawClient write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    public RawClient write(byte[] bytes, int off, int len) throws IOException {
        out.write(bytes, off, len);
        return this;
    }

    /** Sends {@code length} bytes of {@link Payload}; returns what was sent. */
    public BodyDigest writePayload(long length) throws IOException {
        BodyDigest sent = new BodyDigest();
        byte[] buf = new byte[Payload.BLOCK];
        for (long p = 0; p < length; p += Payload.BLOCK) {
            int n = (int) Math.min(Payload.BLOCK, length - p);
            Payload.fill(p, buf, 0, n);
            out.write(buf, 0, n);
            sent.update(buf, 0, n);
        }
        out.flush();
        return sent;
    }

    /** Sends FIN: the peer reads end of stream, this side can still read. */
    public void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    public InetSocketAddress localAddress() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    /** Reads one response, keeping its body. */
    public RawResponse readResponse() throws IOException {
        return readResponse(null, false);
    }

    /** Reads the response to a HEAD request: never a body. */
    public RawResponse readHeadResponse() throws IOException {
        return readResponse(null, true);
    }

    /** Reads one response, streaming its body into {@code digest} instead of keeping it. */
    public RawResponse readResponse(BodyDigest digest) throws IOException {
        return readResponse(digest, false);
    }

    private RawResponse readResponse(BodyDigest digest, boolean head) throws IOException {
        String statusLine = readLine();
        if (statusLine == null) {
            throw new EOFException("connection closed before a response");
        }
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not a status line: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        List<Map.Entry<String, String>> headers = readHeaders();
        RawResponse headOnly = new RawResponse(parts[0], status, parts.length > 2 ? parts[2] : "", headers,
                new byte[0], 0, false);
        String te = headOnly.headerValues("Transfer-Encoding").toString().toLowerCase(Locale.ROOT);
        boolean chunked = te.contains("chunked");
        ByteArrayOutputStream kept = digest == null ? new ByteArrayOutputStream() : null;
        BodyDigest seen = digest != null ? digest : new BodyDigest();
        if (head || status / 100 == 1 || status == 204 || status == 304) {
            return headOnly;
        } else if (chunked) {
            readChunked(seen, kept);
        } else if (headOnly.header("Content-Length").isPresent()) {
            readExactly(Long.parseLong(headOnly.header("Content-Length").get().trim()), seen, kept);
        } else {
            readToEnd(seen, kept);
        }
        return new RawResponse(parts[0], status, headOnly.reason(), headers,
                kept != null ? kept.toByteArray() : new byte[0], seen.length(), chunked);
    }

    /** Reads everything until the peer closes (or the read timeout passes, which fails). */
    public byte[] readUntilClose() throws IOException {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        readToEnd(new BodyDigest(), kept);
        return kept.toByteArray();
    }

    /** Reads exactly {@code n} bytes. */
    public byte[] readBytes(int n) throws IOException {
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        readExactly(n, new BodyDigest(), kept);
        return kept.toByteArray();
    }

    /**
     * Whether the peer has closed the connection: true on end of stream or reset, false when
     * nothing arrives within {@code wait}. Fails if bytes arrive.
     */
    public boolean closedByPeer(Duration wait) throws IOException {
        int old = socket.getSoTimeout();
        socket.setSoTimeout((int) Math.max(1, wait.toMillis()));
        try {
            int b = in.read();
            if (b >= 0) {
                throw new AssertionError("expected the connection to be closed or idle, got byte " + b);
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(old);
            }
        }
    }

    @Override
    public void close() {
        deadline.cancel(false);
        closeQuietly();
    }

    private void closeQuietly() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }

    private List<Map.Entry<String, String>> readHeaders() throws IOException {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (String line; (line = readLine()) != null && !line.isEmpty(); ) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("not a header line: " + line);
            }
            headers.add(new AbstractMap.SimpleImmutableEntry<>(line.substring(0, colon).trim(),
                    line.substring(colon + 1).trim()));
        }
        return headers;
    }

    private void readChunked(BodyDigest seen, ByteArrayOutputStream kept) throws IOException {
        while (true) {
            String sizeLine = readLine();
            if (sizeLine == null) {
                throw new EOFException("connection closed inside a chunked body");
            }
            int semi = sizeLine.indexOf(';');
            long size = Long.parseLong((semi >= 0 ? sizeLine.substring(0, semi) : sizeLine).trim(), 16);
            if (size == 0) {
                readHeaders(); // trailers
                return;
            }
            readExactly(size, seen, kept);
            String crlf = readLine();
            if (crlf == null || !crlf.isEmpty()) {
                throw new IOException("chunk not followed by CRLF: " + crlf);
            }
        }
    }

    private void readExactly(long n, BodyDigest seen, ByteArrayOutputStream kept) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long left = n;
        while (left > 0) {
            int r = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new EOFException("connection closed with " + left + " of " + n + " bytes missing");
            }
            seen.update(buf, 0, r);
            if (kept != null) {
                kept.write(buf, 0, r);
            }
            left -= r;
        }
    }

    private void readToEnd(BodyDigest seen, ByteArrayOutputStream kept) throws IOException {
        byte[] buf = new byte[64 * 1024];
        for (int r; (r = in.read(buf)) >= 0; ) {
            seen.update(buf, 0, r);
            if (kept != null) {
                kept.write(buf, 0, r);
            }
        }
    }

    /** A line without its CRLF (or bare LF); null at end of stream before any byte. */
    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) b);
        }
        if (sb.length() == 0) {
            return null;
        }
        throw new EOFException("connection closed inside a line: " + sb);
    }

    private static ScheduledExecutorService watchdog() {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "raw-client-deadline");
            t.setDaemon(true);
            return t;
        });
        e.setRemoveOnCancelPolicy(true);
        return e;
    }
}
