package io.halb.admin;

import java.util.Map;

/**
 * What an API route answers: a status, a body to write as JSON ({@code null} for none) and extra
 * headers ({@code Location}, {@code Allow}).
 */
record JsonResponse(int status, Object body, Map<String, String> headers) {

    JsonResponse {
        headers = Map.copyOf(headers);
    }

    static JsonResponse ok(Object body) {
        return new JsonResponse(200, body, Map.of());
    }

    static JsonResponse created(Object body, String location) {
        return new JsonResponse(201, body, Map.of("Location", location));
    }

    static JsonResponse noContent() {
        return new JsonResponse(204, null, Map.of());
    }

    static JsonResponse error(int status, String message) {
        return new JsonResponse(status, new Error(message), Map.of());
    }

    static JsonResponse methodNotAllowed(String method, String allow) {
        return new JsonResponse(405, new Error("method " + method + " not allowed here (allowed: " + allow + ")"),
                Map.of("Allow", allow));
    }

    /** Every error body: {@code {"error": "..."}}. */
    record Error(String error) {}
}
