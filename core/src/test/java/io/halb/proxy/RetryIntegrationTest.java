package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request sent on a pooled server connection that the server had already closed is retried on a
 * fresh one: the client never sees the race between reuse and the server's idle close.
 */
class RetryIntegrationTest {

    @Test
    void retriesTransparentlyWhenTheServerClosedTheKeptAliveConnectionBeforeReuse() throws Exception {
        // After one answer per connection the server closes on the next request without answering:
        // every reuse of a pooled connection hits a connection the server has given up on.
        try (TestBackend backend = TestBackend.builder("b1").staleAfterRequests(1).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            for (int i = 0; i < 50; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/stale/" + i)).readResponse();
                assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("b1 GET /stale/" + i);
            }
            assertThat(backend.requests()).isEqualTo(50);
        }
    }

    @Test
    void retriesTransparentlyWhenTheServerClosesAfterEveryResponseWithoutSayingSo() throws Exception {
        try (TestBackend backend = TestBackend.builder("b1").closeAfterRequests(1).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            for (int i = 0; i < 50; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/closing/" + i)).readResponse();
                assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
                assertThat(r.bodyText()).isEqualTo("b1 GET /closing/" + i);
            }
            assertThat(backend.requests()).isEqualTo(50);
        }
    }

    @Test
    void retriesTransparentlyWhenTheServerClosesEveryThirdRequest() throws Exception {
        try (TestBackend backend = TestBackend.builder("b1").staleAfterRequests(3).start();
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            for (int i = 0; i < 50; i++) {
                RawResponse r = client.write(RawClient.get("app.test", "/third/" + i)).readResponse();
                assertThat(r.status()).as("request %d: %s", i, r).isEqualTo(200);
            }
            assertThat(backend.requests()).isEqualTo(50);
            assertThat(backend.requestHeads()).as("stale reuses happened and were retried").isGreaterThan(50);
        }
    }
}
