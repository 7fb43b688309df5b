package io.halb.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.halb.config.AccessLogConfig.Format;
import io.halb.proxy.RequestRecord;
import io.halb.proxy.RequestRecord.Termination;
import io.halb.proxy.SessionRecord;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The exact lines of both formats, for requests and TCP sessions, escaping included. */
class AccessLogFormatTest {

    static final long START = Instant.parse("2026-11-24T12:20:07.123Z").toEpochMilli();
    static final ZoneOffset PLUS_ONE = ZoneOffset.ofHours(1);

    static InetSocketAddress client(String ip) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), 51234);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    static RequestRecord request(String uri, String userAgent, String referer) {
        return new RequestRecord("web", client("192.0.2.7"), "GET", uri, "example.com", "HTTP/1.1", userAgent, referer,
                "web", "web1", 200, 10, 2326, START, 3_214_000, 4_499_999, 1, Termination.OK);
    }

    static SessionRecord session(String server, boolean connected) {
        return new SessionRecord("db", client("2001:db8::1"), "db", server, 812, 5120, START, 12_500_000_000L, connected);
    }

    private static String combined(RequestRecord r) {
        StringBuilder out = new StringBuilder();
        AccessLogFormat.of(Format.COMBINED, PLUS_ONE).request(r, out);
        return out.toString();
    }

    private static String combined(SessionRecord r) {
        StringBuilder out = new StringBuilder();
        AccessLogFormat.of(Format.COMBINED, PLUS_ONE).session(r, out);
        return out.toString();
    }

    private static String json(RequestRecord r) {
        StringBuilder out = new StringBuilder();
        AccessLogFormat.of(Format.JSON, PLUS_ONE).request(r, out);
        return out.toString();
    }

    private static String json(SessionRecord r) {
        StringBuilder out = new StringBuilder();
        AccessLogFormat.of(Format.JSON, PLUS_ONE).session(r, out);
        return out.toString();
    }

    // ---- combined

    @Test
    void combinedRequestIsTheNginxLineFollowedByHalbsFields() {
        assertThat(combined(request("/a?b=1", "curl/8.0", "https://example.com/")))
                .isEqualTo("192.0.2.7 - - [24/Nov/2026:13:20:07 +0100] \"GET /a?b=1 HTTP/1.1\" 200 2326 "
                        + "\"https://example.com/\" \"curl/8.0\" listener=web pool=web server=web1 rt=0.003 tt=0.004 "
                        + "retries=1 term=ok\n");
    }

    @Test
    void combinedEscapesQuotesBackslashesControlAndNonAsciiCharactersAsNginxDoes() {
        String line = combined(request("/q?x=\"a\\b\"", "evil\"agent\n192.0.2.9 - - [forged]\t\u007f",
                "caf\u00e9 \u20ac \ud83d\ude00"));
        assertThat(line).contains("\"GET /q?x=\\x22a\\x5Cb\\x22 HTTP/1.1\"")
                .contains("\"evil\\x22agent\\x0A192.0.2.9 - - [forged]\\x09\\x7F\"")
                // A char up to 0xFF is the byte Netty read; above, the UTF-8 bytes of the character.
                .contains("\"caf\\xE9 \\xE2\\x82\\xAC \\xF0\\x9F\\x98\\x80\"");
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
    }

    @Test
    void combinedWritesDashesForWhatARequestDidNotHave() {
        RequestRecord bad = new RequestRecord("web", client("192.0.2.7"), null, null, null, null, null, null,
                null, null, 400, 0, 0, START, -1, 250_000, 0, Termination.BAD_REQUEST);
        assertThat(combined(bad)).isEqualTo("192.0.2.7 - - [24/Nov/2026:13:20:07 +0100] \"-\" 400 0 \"-\" \"-\" "
                + "listener=web pool=- server=- rt=- tt=0.000 retries=0 term=bad_request\n");
    }

    @Test
    void combinedRequestWithoutAResponseHasStatusZeroAndSaysWhy() {
        RequestRecord aborted = new RequestRecord("web", client("192.0.2.7"), "POST", "/upload", "h", "HTTP/1.0",
                null, null, "web", "web2", 0, 1024, 0, START, -1, 1_000_500_000L, 0, Termination.CLIENT_ABORT);
        assertThat(combined(aborted)).endsWith("\"POST /upload HTTP/1.0\" 0 0 \"-\" \"-\" "
                + "listener=web pool=web server=web2 rt=- tt=1.001 retries=0 term=client_abort\n");
    }

    @Test
    void combinedTcpSessionNamesTheListenerInPlaceOfTheRequest() {
        assertThat(combined(session("db1", true)))
                .isEqualTo("2001:db8::1 - - [24/Nov/2026:13:20:07 +0100] \"TCP db\" - 5120 \"-\" \"-\" "
                        + "listener=db pool=db server=db1 bytes_in=812 tt=12.500 term=ok\n");
    }

    @Test
    void aTcpSessionThatNeverConnectedSaysWhetherAServerWasTried() {
        assertThat(combined(session(null, false))).endsWith(" server=- bytes_in=812 tt=12.500 term=no_server\n");
        assertThat(combined(session("db1", false))).endsWith(" server=db1 bytes_in=812 tt=12.500 term=server_error\n");
    }

    @Test
    void combinedDatesAreTheRequestStartInTheGivenZone() {
        StringBuilder out = new StringBuilder();
        AccessLogFormat f = AccessLogFormat.of(Format.COMBINED, ZoneOffset.ofHoursMinutes(-5, -30));
        f.request(request("/", null, null), out);
        // The cached second must not leak into the next line's date.
        f.request(new RequestRecord("web", client("192.0.2.7"), "GET", "/", null, "HTTP/1.1", null, null, "web",
                "web1", 204, 0, 0, START + 1000, 1, 1, 0, Termination.OK), out);
        assertThat(out.toString().split("\n")).extracting(l -> l.substring(l.indexOf('['), l.indexOf(']') + 1))
                .containsExactly("[24/Nov/2026:06:50:07 -0530]", "[24/Nov/2026:06:50:08 -0530]");
    }

    // ---- json

    @Test
    void jsonRequestIsOneObjectPerLineWithEveryField() {
        assertThat(json(request("/a?b=\"1\"", "curl/8.0\u0001", null))).isEqualTo("{"
                + "\"time\":\"2026-11-24T12:20:07.123Z\",\"type\":\"http\",\"client\":\"192.0.2.7\","
                + "\"listener\":\"web\",\"pool\":\"web\",\"server\":\"web1\",\"method\":\"GET\","
                + "\"uri\":\"/a?b=\\\"1\\\"\",\"protocol\":\"HTTP/1.1\",\"host\":\"example.com\",\"status\":200,"
                + "\"bytes_in\":10,\"bytes_out\":2326,\"response_ms\":3.214,\"total_ms\":4.500,\"retries\":1,"
                + "\"termination\":\"ok\",\"user_agent\":\"curl/8.0\\u0001\",\"referer\":null}\n");
    }

    @Test
    void jsonTcpSessionHasTypeDurationAndConnected() {
        assertThat(json(session(null, false))).isEqualTo("{"
                + "\"time\":\"2026-11-24T12:20:07.123Z\",\"type\":\"tcp\",\"client\":\"2001:db8::1\","
                + "\"listener\":\"db\",\"pool\":\"db\",\"server\":null,\"bytes_in\":812,\"bytes_out\":5120,"
                + "\"duration_ms\":12500.000,\"connected\":false,\"termination\":\"no_server\"}\n");
    }

    @Test
    void jsonLinesParseAndAMissingResponseTimeIsNull() throws Exception {
        RequestRecord noResponse = new RequestRecord("web", client("192.0.2.7"), "GET", "/\n\"x", null, "HTTP/1.1",
                "ua", "ref", "web", "web1", 0, 0, 0, START, -1, 2_000_000, 2, Termination.SERVER_ABORT);
        StringBuilder out = new StringBuilder();
        AccessLogFormat f = AccessLogFormat.of(Format.JSON, PLUS_ONE);
        f.request(noResponse, out);
        f.session(session("db1", true), out);
        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(2);
        ObjectMapper mapper = new ObjectMapper();
        JsonNode first = mapper.readTree(lines[0]);
        assertThat(first.get("uri").asText()).isEqualTo("/\n\"x");
        assertThat(first.get("response_ms").isNull()).isTrue();
        assertThat(first.get("total_ms").decimalValue()).isEqualByComparingTo("2.000");
        assertThat(first.get("termination").asText()).isEqualTo("server_abort");
        assertThat(first.get("retries").asInt()).isEqualTo(2);
        JsonNode second = mapper.readTree(lines[1]);
        assertThat(second.get("connected").asBoolean()).isTrue();
        assertThat(second.get("termination").asText()).isEqualTo("ok");
    }
}
