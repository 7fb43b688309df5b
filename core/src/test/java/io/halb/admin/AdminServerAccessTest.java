package io.halb.admin;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class AdminServerAccessTest {

    private final AdminServerAccess withToken = new AdminServerAccess(Optional.of("s3cret"));
    private final AdminServerAccess open = new AdminServerAccess(Optional.empty());

    @Test
    void theTokenMustBePresentedAsABearerToken() {
        assertThat(withToken.check(headers("Authorization", "Bearer s3cret"), false)).isNull();
        assertThat(withToken.check(headers("Authorization", "bearer s3cret"), false)).isNull();
        assertThat(withToken.check(headers("Authorization", "BEARER  s3cret "), false)).isNull();

        assertThat(withToken.check(headers(), false))
                .isEqualTo(new AdminServerAccess.Denial(401, "missing bearer token (expected: Authorization: Bearer <token>)"));
        for (String wrong : new String[] {"Bearer s3cre", "Bearer s3cretx", "Bearer ", "Basic s3cret", "s3cret", "Bearers3cret"}) {
            assertThat(withToken.check(headers("Authorization", wrong), false)).as(wrong)
                    .isEqualTo(new AdminServerAccess.Denial(401, "invalid bearer token"));
        }
    }

    @Test
    void staticFilesNeedNoToken() {
        assertThat(withToken.check(headers(), true)).isNull();
        assertThat(withToken.tokenRequired()).isTrue();
        assertThat(open.tokenRequired()).isFalse();
    }

    @Test
    void anOriginMustNameTheHost() {
        assertThat(open.check(headers("Host", "127.0.0.1:9090", "Origin", "http://127.0.0.1:9090"), false)).isNull();
        assertThat(open.check(headers("Host", "localhost:9090", "Origin", "HTTP://LOCALHOST:9090"), false)).isNull();
        assertThat(withToken.check(headers("Host", "admin.example.com", "Origin", "https://admin.example.com",
                "Authorization", "Bearer s3cret"), false)).isNull();

        for (String origin : new String[] {"http://127.0.0.1:9091", "http://evil.example", "null", "http://127.0.0.1:9090@evil",
                "::"}) {
            assertThat(open.check(headers("Host", "127.0.0.1:9090", "Origin", origin), false)).as(origin)
                    .extracting(AdminServerAccess.Denial::status).isEqualTo(403);
            assertThat(withToken.check(headers("Host", "127.0.0.1:9090", "Origin", origin,
                    "Authorization", "Bearer s3cret"), true)).as(origin).extracting(AdminServerAccess.Denial::status)
                    .isEqualTo(403);
        }
    }

    @Test
    void withoutATokenTheHostIsLocalhostOrAnAddress() {
        for (String host : new String[] {"localhost", "localhost:9090", "127.0.0.1", "127.0.0.1:9090", "[::1]:9090",
                "10.1.2.3:80", "[fe80::1]"}) {
            assertThat(open.check(headers("Host", host), false)).as(host).isNull();
        }
        for (String host : new String[] {"evil.example", "evil.example:9090", "localhost.evil.example", "127.0.0.1.nip.io"}) {
            assertThat(open.check(headers("Host", host), false)).as(host)
                    .extracting(AdminServerAccess.Denial::status).isEqualTo(403);
            assertThat(open.check(headers("Host", host), true)).as(host + ", dashboard")
                    .extracting(AdminServerAccess.Denial::status).isEqualTo(403);
            assertThat(withToken.check(headers("Host", host, "Authorization", "Bearer s3cret"), false)).as(host).isNull();
        }
    }

    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            h.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return h;
    }
}
