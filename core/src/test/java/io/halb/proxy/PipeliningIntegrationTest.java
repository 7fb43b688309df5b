package io.halb.proxy;

import io.halb.testing.HalbFixture;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import io.halb.testing.TestBackend;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests pipelined on one client connection are all answered, in the order they were sent. */
class PipeliningIntegrationTest {

    @Test
    void tenRequestsWrittenAtOnceGetTenResponsesInOrder() throws Exception {
        try (TestBackend backend = TestBackend.start("b1");
             HalbFixture halb = HalbFixture.start(HalbFixture.httpTemplate("round_robin", 2, backend));
             RawClient client = halb.connect("web")) {
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 10; i++) {
                burst.append(RawClient.get("app.test", "/pipe/" + i));
            }
            client.write(burst.toString());
            for (int i = 0; i < 10; i++) {
                RawResponse r = client.readResponse();
                assertThat(r.status()).as("response %d: %s", i, r).isEqualTo(200);
                assertThat(r.bodyText()).as("response %d", i).isEqualTo("b1 GET /pipe/" + i);
            }
            assertThat(client.closedByPeer(Duration.ofMillis(200))).as("no extra bytes, connection open").isFalse();
        }
    }

    @Test
    void pipelinedResponsesStayInOrderWhenAnEarlierOneIsSlower() throws Exception {
        try (TestBackend slow = TestBackend.builder("slow").delay(Duration.ofMillis(300)).start();
             TestBackend fast = TestBackend.start("fast");
             HalbFixture halb = HalbFixture.start("""
                     event_loops: 2
                     admin: {bind: "127.0.0.1:0"}
                     listeners:
                       - {name: web, bind: "127.0.0.1:0", pool: web}
                     pools:
                       - name: web
                         algorithm: round_robin
                         servers:
                           - {name: slow, address: "{{slow}}"}
                           - {name: fast, address: "{{fast}}"}
                     """, Map.of("slow", slow, "fast", fast));
             RawClient client = halb.connect("web")) {
            StringBuilder burst = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                burst.append(RawClient.get("app.test", "/pipe/" + i));
            }
            client.write(burst.toString());
            for (int i = 0; i < 6; i++) {
                RawResponse r = client.readResponse();
                assertThat(r.status()).as("response %d: %s", i, r).isEqualTo(200);
                assertThat(r.bodyText()).as("response %d", i).endsWith(" GET /pipe/" + i);
            }
            assertThat(slow.requests() + fast.requests()).isEqualTo(6);
        }
    }
}
