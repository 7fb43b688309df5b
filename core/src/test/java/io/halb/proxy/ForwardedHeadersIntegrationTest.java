package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.RecordedRequest;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What halb adds and removes on the way to the server: X-Forwarded-For/-Proto/-Host and Forwarded
 * (RFC 7239) added, Host kept, hop-by-hop headers (RFC 9110 §7.6.1) removed.
 */
class ForwardedHeadersIntegrationTest {

    @Test
    void addsForwardedHeadersAndKeepsHost() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            RawResponse r = client.write(RawClient.get("shop.example.com:8080", "/fwd")).readResponse();
            assertThat(r.status()).isEqualTo(200);
            RecordedRequest got = backend.lastRequest();
            assertThat(got.headerValues("Host")).containsExactly("shop.example.com:8080");
            assertThat(got.header("X-Forwarded-For")).contains("127.0.0.1");
            assertThat(got.header("X-Forwarded-Proto")).contains("http");
            assertThat(got.header("X-Forwarded-Host")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("shop.example.com"));
            assertThat(got.header("Forwarded")).hasValueSatisfying(v -> assertThat(v)
                    .containsPattern("(?i)for=\"?127\\.0\\.0\\.1")
                    .containsPattern("(?i)proto=http")
                    .containsPattern("(?i)host=\"?shop\\.example\\.com"));
        }
    }

    @Test
    void appendsTheClientToAnExistingXForwardedFor() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            RawResponse r = client.write(RawClient.get("app.test", "/fwd", "X-Forwarded-For: 203.0.113.7"))
                    .readResponse();
            assertThat(r.status()).isEqualTo(200);
            // Several header lines are one comma-separated list (RFC 9110 §5.3).
            String chain = String.join(", ", backend.lastRequest().headerValues("X-Forwarded-For"));
            assertThat(chain.replace(" ", "")).isEqualTo("203.0.113.7,127.0.0.1");
        }
    }

    @Test
    void removesHopByHopHeadersBeforeTheServer() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            RawResponse r = client.write(RawClient.get("app.test", "/hop",
                    "Connection: X-Hop-One, x-hop-two",
                    "X-Hop-One: secret",
                    "X-Hop-Two: secret",
                    "Keep-Alive: timeout=5",
                    "Proxy-Connection: keep-alive",
                    "TE: trailers",
                    "Trailer: X-Checksum",
                    "Upgrade: h2c",
                    "X-End-To-End: kept")).readResponse();
            assertThat(r.status()).isEqualTo(200);
            RecordedRequest got = backend.lastRequest();
            for (String hop : List.of("Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade",
                    "X-Hop-One", "X-Hop-Two")) {
                assertThat(got.hasHeader(hop)).as("%s reached the server: %s", hop, got.headers()).isFalse();
            }
            assertThat(String.join(",", got.headerValues("Connection")).toLowerCase())
                    .as("the client's Connection options are its own")
                    .doesNotContain("x-hop-one").doesNotContain("x-hop-two");
            assertThat(got.header("X-End-To-End")).contains("kept");
            assertThat(got.headerValues("Host")).containsExactly("app.test");
        }
    }
}
