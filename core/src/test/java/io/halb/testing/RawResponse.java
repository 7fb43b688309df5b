package io.halb.testing;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An HTTP response as read byte for byte by {@link RawClient}.
 *
 * @param headers    every header line in arrival order, duplicates kept
 * @param body       the body, or empty when it was streamed into a {@link BodyDigest} instead
 * @param bodyLength bytes of body received
 * @param chunked    whether the body came with {@code Transfer-Encoding: chunked}
 */
public record RawResponse(String version, int status, String reason, List<Map.Entry<String, String>> headers,
                          byte[] body, long bodyLength, boolean chunked) {

    public RawResponse {
        headers = List.copyOf(headers);
    }

    /** The first value of a header (name matched case-insensitively). */
    public Optional<String> header(String name) {
        return headers.stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst();
    }

    public List<String> headerValues(String name) {
        return headers.stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        String text = bodyText();
        return version + " " + status + " " + reason + " " + headers + " body(" + bodyLength + ")="
                + (text.length() > 200 ? text.substring(0, 200) + "..." : text);
    }
}
