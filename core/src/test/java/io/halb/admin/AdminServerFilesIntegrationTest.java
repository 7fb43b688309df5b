package io.halb.admin;

import io.halb.admin.AdminServerIntegrationTest.FakePlane;
import io.halb.admin.AdminServerIntegrationTest.Running;
import io.halb.testing.RawClient;
import io.halb.testing.RawResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static io.halb.admin.AdminServerIntegrationTest.error;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The dashboard's static files, from a class path the test builds. */
class AdminServerFilesIntegrationTest {

    @TempDir
    Path classPath;

    private URLClassLoader files;
    private Running admin;

    @BeforeEach
    void start() throws Exception {
        Path dashboard = classPath.resolve("io/halb/admin/dashboard");
        Files.createDirectories(dashboard.resolve("sub"));
        Files.writeString(dashboard.resolve("index.html"), "<!doctype html><title>halb</title>");
        Files.writeString(dashboard.resolve("app.js"), "console.log('halb');");
        Files.writeString(dashboard.resolve("app.css"), "body { margin: 0 }");
        Files.writeString(dashboard.resolve("logo.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
        Files.writeString(dashboard.resolve("notes.xyz"), "not served: unknown type");
        Files.writeString(dashboard.resolve(".hidden.txt"), "not served: hidden");
        Files.writeString(dashboard.resolve("sub/index.html"), "<p>sub</p>");
        Files.writeString(dashboard.resolve("sub/page.html"), "<p>page</p>");
        Files.writeString(classPath.resolve("io/halb/admin/secret.txt"), "SECRET");
        Files.writeString(classPath.resolve("secret.txt"), "SECRET");
        files = new URLClassLoader(new URL[] {classPath.toUri().toURL()}, null);
        admin = Running.start(new FakePlane(), Optional.empty(), AdminServer.PING_INTERVAL, files, () -> Running.METRICS);
    }

    @AfterEach
    void stop() throws Exception {
        admin.close();
        files.close();
    }

    @Test
    void theRootAndTheBareDirectoryRedirectToTheDashboard() throws Exception {
        for (String path : List.of("/", "/dashboard")) {
            HttpResponse<String> r = admin.get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(302);
            assertThat(r.headers().firstValue("location")).hasValue("/dashboard/");
        }
    }

    @Test
    void filesAreServedWithTheirContentType() throws Exception {
        assertFile("/dashboard/", "text/html; charset=utf-8", "<!doctype html><title>halb</title>");
        assertFile("/dashboard/index.html", "text/html; charset=utf-8", "<!doctype html><title>halb</title>");
        assertFile("/dashboard/app.js", "text/javascript; charset=utf-8", "console.log('halb');");
        assertFile("/dashboard/app.css", "text/css; charset=utf-8", "body { margin: 0 }");
        assertFile("/dashboard/logo.svg", "image/svg+xml", "<svg xmlns='http://www.w3.org/2000/svg'/>");
        assertFile("/dashboard/sub/", "text/html; charset=utf-8", "<p>sub</p>");
        assertFile("/dashboard/sub/page.html?v=2", "text/html; charset=utf-8", "<p>page</p>");
    }

    @Test
    void aMissingFileIsNotFound() throws Exception {
        HttpResponse<String> r = admin.get("/dashboard/missing.js");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(error(r)).isEqualTo("no such dashboard file: /dashboard/missing.js");
        assertThat(admin.get("/dashboard/notes.xyz").statusCode()).as("unknown type").isEqualTo(404);
        assertThat(admin.get("/dashboard/sub").statusCode()).as("a directory is never listed").isEqualTo(404);
    }

    @Test
    void pathsThatCouldLeaveTheDirectoryAreRefused() throws Exception {
        for (String path : List.of("/dashboard/../secret.txt", "/dashboard/../../../secret.txt",
                "/dashboard/%2e%2e/secret.txt", "/dashboard/%2E%2E%2Fsecret.txt", "/dashboard/sub/../../secret.txt",
                "/dashboard/..%5csecret.txt", "/dashboard//secret.txt", "/dashboard/.hidden.txt",
                "/dashboard/sub/..", "/dashboard/%00.html")) {
            try (RawClient c = RawClient.connect(admin.server.address())) {
                RawResponse r = c.write(RawClient.get("127.0.0.1", path)).readResponse();
                assertThat(r.status()).as(path).isEqualTo(400);
                assertThat(r.bodyText()).as(path).doesNotContain("SECRET").contains("'..' is not allowed");
            }
        }
    }

    @Test
    void onlyGetIsAllowed() throws Exception {
        HttpResponse<String> r = admin.send("POST", "/dashboard/index.html", "{}");
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("allow")).hasValue("GET");
    }

    @Test
    void theShippedDashboardIsServedFromTheClassPath() throws Exception {
        assumeTrue(AdminServer.class.getClassLoader().getResource(AdminServerFiles.ROOT + "index.html") != null,
                "the dashboard is not on the class path yet");
        try (Running shipped = Running.start(new FakePlane(), Optional.empty())) {
            HttpResponse<String> r = shipped.get("/dashboard/");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
        }
    }

    private void assertFile(String path, String contentType, String content) throws Exception {
        HttpResponse<String> r = admin.get(path);
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).as(path).hasValue(contentType);
        assertThat(r.headers().firstValue("cache-control")).as(path).hasValue("no-cache");
        assertThat(r.headers().firstValue("x-content-type-options")).as(path).hasValue("nosniff");
        assertThat(r.body()).as(path).isEqualTo(content);
    }
}
