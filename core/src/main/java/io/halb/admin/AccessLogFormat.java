package io.halb.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import io.halb.config.AccessLogConfig;
import io.halb.proxy.RequestRecord;
import io.halb.proxy.SessionRecord;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Turns request and session records into access-log lines. Not thread-safe (it keeps a cache of the
 * last formatted second and a reusable JSON generator): one per {@link AccessLog}, used only by its
 * writer thread.
 */
abstract sealed class AccessLogFormat {

    static AccessLogFormat of(AccessLogConfig.Format format, ZoneId zone) {
        return switch (format) {
            case COMBINED -> new Combined(zone);
            case JSON -> new Json();
        };
    }

    /** Appends one line, with its {@code \n}, to {@code out}. */
    abstract void request(RequestRecord r, StringBuilder out);

    /** Appends one line, with its {@code \n}, to {@code out}. */
    abstract void session(SessionRecord r, StringBuilder out);

    /** How a TCP session ended, in the words of {@link RequestRecord.Termination}. */
    static String termination(SessionRecord r) {
        if (r.connected()) {
            return "ok";
        }
        return r.server() == null ? "no_server" : "server_error";
    }

    static String termination(RequestRecord r) {
        return r.termination() == null ? "-" : r.termination().name().toLowerCase(Locale.ROOT);
    }

    /** The client's IP address as NGINX's {@code $remote_addr} writes it (IPv6 compressed, no brackets). */
    static String client(InetSocketAddress client) {
        if (client == null) {
            return "-";
        }
        return client.getAddress() != null ? NetUtil.toAddressString(client.getAddress()) : client.getHostString();
    }

    /** {@code nanos} in units of {@code nanosPerUnit} (a second, a millisecond) with 3 decimals, rounded. */
    static void appendFixed3(StringBuilder out, long nanos, long nanosPerUnit) {
        long thousandths = (nanos + nanosPerUnit / 2000) / (nanosPerUnit / 1000);
        out.append(thousandths / 1000).append('.');
        long frac = thousandths % 1000;
        if (frac < 100) {
            out.append('0');
        }
        if (frac < 10) {
            out.append('0');
        }
        out.append(frac);
    }

    /**
     * Apache/NGINX combined log format, then halb's fields as {@code key=value}:
     * <pre>
     * client - - [10/Oct/2026:13:55:36 +0000] "GET /a HTTP/1.1" 200 2326 "referer" "agent" listener=web pool=web server=web1 rt=0.003 tt=0.004 retries=0 term=ok
     * client - - [10/Oct/2026:13:55:36 +0000] "TCP db" - 5120 "-" "-" listener=db pool=db server=db1 bytes_in=812 tt=12.500 term=ok
     * </pre>
     * The quoted fields are escaped as NGINX does ({@code escape=default}): {@code "}, {@code \},
     * control characters and bytes outside ASCII become {@code \xHH}, so a line can neither be
     * split nor have its quotes forged by a client.
     */
    static final class Combined extends AccessLogFormat {

        private static final char[] HEX = "0123456789ABCDEF".toCharArray();

        private final DateTimeFormatter dates;
        /** The last second formatted, and its text: most lines fall in the same second as the one before. */
        private long lastSecond = Long.MIN_VALUE;
        private String lastDate = "";

        Combined(ZoneId zone) {
            this.dates = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH).withZone(zone);
        }

        @Override
        void request(RequestRecord r, StringBuilder out) {
            head(out, r.client(), r.startMillis());
            out.append('"');
            if (r.method() == null && r.uri() == null) {
                out.append('-');
            } else {
                escaped(out, r.method());
                out.append(' ');
                escaped(out, r.uri());
                out.append(' ');
                escaped(out, r.protocol());
            }
            out.append("\" ").append(r.status()).append(' ').append(r.bytesOut()).append(" \"");
            escaped(out, r.referer());
            out.append("\" \"");
            escaped(out, r.userAgent());
            out.append('"');
            names(out, r.listener(), r.pool(), r.server());
            out.append(" rt=");
            seconds(out, r.responseNanos());
            out.append(" tt=");
            seconds(out, r.totalNanos());
            out.append(" retries=").append(r.retries());
            out.append(" term=").append(termination(r)).append('\n');
        }

        @Override
        void session(SessionRecord r, StringBuilder out) {
            head(out, r.client(), r.startMillis());
            out.append("\"TCP ");
            escaped(out, r.listener());
            out.append("\" - ").append(r.bytesOut()).append(" \"-\" \"-\"");
            names(out, r.listener(), r.pool(), r.server());
            out.append(" bytes_in=").append(r.bytesIn());
            out.append(" tt=");
            seconds(out, r.durationNanos());
            out.append(" term=").append(termination(r)).append('\n');
        }

        private void head(StringBuilder out, InetSocketAddress client, long startMillis) {
            out.append(client(client)).append(" - - [").append(date(startMillis)).append("] ");
        }

        private String date(long millis) {
            long second = Math.floorDiv(millis, 1000);
            if (second != lastSecond) {
                lastDate = dates.format(Instant.ofEpochSecond(second));
                lastSecond = second;
            }
            return lastDate;
        }

        private static void names(StringBuilder out, String listener, String pool, String server) {
            // Names are checked by the configuration (letters, digits, _ . -): nothing to escape.
            out.append(" listener=").append(orDash(listener));
            out.append(" pool=").append(orDash(pool));
            out.append(" server=").append(orDash(server));
        }

        private static String orDash(String s) {
            return s == null ? "-" : s;
        }

        private static void seconds(StringBuilder out, long nanos) {
            if (nanos < 0) {
                out.append('-');
            } else {
                appendFixed3(out, nanos, 1_000_000_000L);
            }
        }

        /**
         * NGINX's log escaping. Netty decodes request heads one byte per char, so a char up to
         * 0xFF is the byte the client sent; anything above (a URI rebuilt from Java text) is
         * written as its UTF-8 bytes.
         */
        static void escaped(StringBuilder out, String s) {
            if (s == null) {
                out.append('-');
                return;
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                    out.append(c);
                } else if (c <= 0xff) {
                    hex(out, c);
                } else {
                    int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
                    for (byte b : s.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
                        hex(out, b & 0xff);
                    }
                    i = end - 1;
                }
            }
        }

        private static void hex(StringBuilder out, int b) {
            out.append("\\x").append(HEX[b >> 4]).append(HEX[b & 0xf]);
        }
    }

    /**
     * One JSON object per line. Times are UTC with milliseconds ({@code 2026-11-24T12:20:07.123Z});
     * durations are milliseconds with three decimals; an absent value is {@code null}.
     */
    static final class Json extends AccessLogFormat {

        private static final DateTimeFormatter TIME =
                DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);

        private final Sink sink = new Sink();
        private final JsonGenerator json;
        private final StringBuilder number = new StringBuilder(24);

        Json() {
            try {
                json = new JsonFactory().createGenerator(sink);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // Each object is its own line: nothing between root values but the '\n' written after each.
            json.setRootValueSeparator(new SerializedString(""));
        }

        @Override
        void request(RequestRecord r, StringBuilder out) {
            sink.target = out;
            try {
                json.writeStartObject();
                json.writeStringField("time", TIME.format(Instant.ofEpochMilli(r.startMillis())));
                json.writeStringField("type", "http");
                json.writeStringField("client", client(r.client()));
                json.writeStringField("listener", r.listener());
                json.writeStringField("pool", r.pool());
                json.writeStringField("server", r.server());
                json.writeStringField("method", r.method());
                json.writeStringField("uri", r.uri());
                json.writeStringField("protocol", r.protocol());
                json.writeStringField("host", r.host());
                json.writeNumberField("status", r.status());
                json.writeNumberField("bytes_in", r.bytesIn());
                json.writeNumberField("bytes_out", r.bytesOut());
                millis("response_ms", r.responseNanos());
                millis("total_ms", r.totalNanos());
                json.writeNumberField("retries", r.retries());
                json.writeStringField("termination", termination(r));
                json.writeStringField("user_agent", r.userAgent());
                json.writeStringField("referer", r.referer());
                json.writeEndObject();
                json.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e); // the sink never throws
            }
            out.append('\n');
        }

        @Override
        void session(SessionRecord r, StringBuilder out) {
            sink.target = out;
            try {
                json.writeStartObject();
                json.writeStringField("time", TIME.format(Instant.ofEpochMilli(r.startMillis())));
                json.writeStringField("type", "tcp");
                json.writeStringField("client", client(r.client()));
                json.writeStringField("listener", r.listener());
                json.writeStringField("pool", r.pool());
                json.writeStringField("server", r.server());
                json.writeNumberField("bytes_in", r.bytesIn());
                json.writeNumberField("bytes_out", r.bytesOut());
                millis("duration_ms", r.durationNanos());
                json.writeBooleanField("connected", r.connected());
                json.writeStringField("termination", termination(r));
                json.writeEndObject();
                json.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            out.append('\n');
        }

        private void millis(String field, long nanos) throws IOException {
            json.writeFieldName(field);
            if (nanos < 0) {
                json.writeNull();
                return;
            }
            number.setLength(0);
            appendFixed3(number, nanos, 1_000_000L);
            json.writeNumber(number.toString());
        }

        /** Where the generator writes: the line being built. */
        private static final class Sink extends Writer {
            StringBuilder target;

            @Override
            public void write(char[] cbuf, int off, int len) {
                target.append(cbuf, off, len);
            }

            @Override
            public void write(String str, int off, int len) {
                target.append(str, off, off + len);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        }
    }
}
