package io.halb.server;

import io.halb.config.ConfigLoader;
import io.halb.config.HalbConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FeatureGateTest {

    private static HalbConfig parse(String yaml) throws Exception {
        return ConfigLoader.parse(yaml, Path.of("halb.yaml"), Map.of());
    }

    @Test
    void refusesTlsWhoseCertificateCannotBeReadNamingTheKeyAndTheFile() throws Exception {
        HalbConfig config = parse("""
                listeners:
                  - name: web
                    bind: 127.0.0.1:8443
                    pool: web
                    tls: {certificates: [{cert: site.pem, key: site.key}]}
                pools:
                  - {name: web, servers: [{name: a, address: 127.0.0.1:9000}]}
                """);
        FeatureGate.Findings findings = FeatureGate.check(config);
        assertThat(findings.errors()).singleElement().asString()
                .contains("halb.yaml: listeners.web.tls.certificates[0]: ", "site.pem: cannot read: no such file");
    }

    @Test
    void theExampleConfigurationIsAccepted() throws Exception {
        HalbConfig config = ConfigLoader.load(Path.of("../examples/halb.yaml"), Map.of());
        assertThat(FeatureGate.check(config).errors()).isEmpty();
    }
}
