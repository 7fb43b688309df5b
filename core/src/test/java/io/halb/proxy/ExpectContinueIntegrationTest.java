package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.Payload;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code Expect: 100-continue}: the client is told to go on, and the body reaches the server once. */
class ExpectContinueIntegrationTest {

    private static final int SIZE = 100_000;

    @Test
    void clientGets100ContinueThenTheFinalResponseAndTheBodyArrivesOnce() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            client.write(RawClient.request("POST", "app.test", "/upload",
                    "Content-Length: " + SIZE, "Expect: 100-continue"));
            RawResponse interim = client.readResponse();
            assertThat(interim.status()).as("first answer to Expect: 100-continue: %s", interim).isEqualTo(100);
            client.write(Payload.bytes(SIZE));
            RawResponse last = client.readResponse();
            assertThat(last.status()).as("%s", last).isEqualTo(200);
            assertThat(last.bodyText()).isEqualTo("b1 POST /upload");

            // Nothing stray follows (no second 100, no body echoed as a request): the next answer is the next request's.
            RawResponse next = client.write(RawClient.get("app.test", "/next")).readResponse();
            assertThat(next.status()).as("%s", next).isEqualTo(200);
            assertThat(next.bodyText()).isEqualTo("b1 GET /next");

            assertThat(backend.recordedRequests()).hasSize(2);
            assertThat(backend.recordedRequests().get(0).bodyLength()).isEqualTo(SIZE);
            assertThat(backend.recordedRequests().get(0).bodyCrc32()).isEqualTo(Payload.crc32(SIZE));
        }
    }
}
