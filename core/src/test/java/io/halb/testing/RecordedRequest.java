package io.halb.testing;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A request as a {@link TestBackend} received it.
 *
 * @param backend    the name of the backend that received it
 * @param protocol   e.g. {@code HTTP/1.1}
 * @param headers    every header line in arrival order, duplicates kept
 * @param bodyLength bytes of body received; -1 when the backend dropped the request at its head
 * @param bodyCrc32  CRC32 of the body received
 */
public record RecordedRequest(String backend, String method, String uri, String protocol,
                              List<Map.Entry<String, String>> headers, long bodyLength, long bodyCrc32) {

    public RecordedRequest {
        headers = List.copyOf(headers);
    }

    /** The first value of a header (name matched case-insensitively). */
    public Optional<String> header(String name) {
        return headers.stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).findFirst();
    }

    /** Every value of a header (name matched case-insensitively), in arrival order. */
    public List<String> headerValues(String name) {
        return headers.stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue).toList();
    }

    public boolean hasHeader(String name) {
        return header(name).isPresent();
    }
}
