package io.halb.cluster.netns;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * A client run as its own process in the client namespace: {@code NetnsClient HOST PORT THREADS}
 * sends GET requests, each on a new connection, from THREADS loops until it is killed, and prints
 * one line per request: {@code W startMillis endMillis status} (status -1: connection refused or
 * failed, -2: timed out, -3: closed or reset before any answer byte, -4: closed or reset after the
 * head). The workload waits as long as an ordinary client would (a SYN that got
 * no answer is sent again after a second); one more loop probes with short timeouts, so that the
 * moment the VIP answers again is seen to within tens of milliseconds ({@code P} lines).
 */
public final class NetnsClient {

    private static final int CONNECT_TIMEOUT_MS = 5000;
    private static final int READ_TIMEOUT_MS = 5000;
    private static final int PROBE_TIMEOUT_MS = 50;
    private static final int PROBE_READ_TIMEOUT_MS = 200;

    private NetnsClient() {}

    public static void main(String[] args) throws Exception {
        InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int threads = Integer.parseInt(args[2]);
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true, StandardCharsets.US_ASCII);
        byte[] request = ("GET / HTTP/1.1\r\nHost: vip\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i <= threads; i++) {
            boolean probe = i == threads;
            Thread t = new Thread(() -> {
                while (true) {
                    long start = System.currentTimeMillis();
                    int status = probe ? once(target, request, PROBE_TIMEOUT_MS, PROBE_READ_TIMEOUT_MS) : once(target, request, CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS);
                    long end = System.currentTimeMillis();
                    synchronized (out) {
                        out.println((probe ? "P " : "W ") + start + " " + end + " " + status);
                    }
                    try {
                        Thread.sleep(5);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            t.start();
        }
    }

    /**
     * Reads one response the way an HTTP client does: the head, then Content-Length bytes of body.
     * What the connection does after that (FIN or reset) does not matter to the request.
     */
    private static int readResponse(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
            int b;
            try {
                b = in.read();
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                return head.length() == 0 ? -3 : -4;
            }
            if (b < 0 || head.length() > 8192) {
                return head.length() == 0 ? -3 : -4;
            }
            head.append((char) b);
        }
        String text = head.toString();
        if (!text.startsWith("HTTP/1.1 ")) {
            return -1;
        }
        int status = Integer.parseInt(text.substring(9, 12));
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.regionMatches(true, 0, "content-length:", 0, 15)) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        try {
            if (in.readNBytes(length).length != length) {
                return -4;
            }
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            return -4;
        }
        return status;
    }

    private static int once(InetSocketAddress target, byte[] request, int connectTimeout, int readTimeout) {
        try (Socket s = new Socket()) {
            s.connect(target, connectTimeout);
            s.setSoTimeout(readTimeout);
            OutputStream o = s.getOutputStream();
            o.write(request);
            o.flush();
            InputStream in = s.getInputStream();
            return readResponse(in);
        } catch (SocketTimeoutException e) {
            return -2;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
