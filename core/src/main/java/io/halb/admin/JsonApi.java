package io.halb.admin;

import io.halb.config.HostPort;
import io.halb.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The REST routes under {@code /api/v1}, over a {@link ControlPlane}. Knows nothing of Netty: it
 * takes a method, the decoded path segments after {@code /api/v1/} and the body, and returns a
 * {@link JsonResponse}.
 *
 * <p>Thread-safety: {@link #handle} calls the control plane, which may block; call it from the admin
 * executor, never from an event loop. Stateless apart from the plane.
 */
final class JsonApi {

    private static final Logger log = LoggerFactory.getLogger(JsonApi.class);

    static final Set<String> STATES = Set.of("ready", "drain", "maint");
    private static final Set<String> SERVER_FIELDS = Set.of("name", "address", "weight", "backup", "max_connections");

    private final ControlPlane plane;
    private final Json json;

    JsonApi(ControlPlane plane, Json json) {
        this.plane = plane;
        this.json = json;
    }

    /**
     * Answers one request. Errors become responses: 400 for a bad body or value, 404 for an unknown
     * pool, server or path, 405 for a method the path does not take, 500 for anything unexpected.
     *
     * @param path the decoded segments after {@code /api/v1/}, e.g. {@code [pools, web, servers]}
     */
    JsonResponse handle(String method, List<String> path, byte[] body) {
        try {
            return route(method, path, body);
        } catch (ControlPlane.NotFoundException e) {
            return JsonResponse.error(404, e.getMessage());
        } catch (IllegalArgumentException e) {
            return JsonResponse.error(400, e.getMessage());
        } catch (RuntimeException e) {
            log.warn("admin: {} /api/v1/{} failed", method, String.join("/", path), e);
            return JsonResponse.error(500, "internal error: " + e);
        }
    }

    private JsonResponse route(String method, List<String> path, byte[] body) {
        int n = path.size();
        String first = n == 0 ? "" : path.get(0);
        if (n == 1) {
            switch (first) {
                case "status":
                    return get(method, () -> JsonResponse.ok(plane.status()));
                case "listeners":
                    return get(method, () -> JsonResponse.ok(plane.listeners()));
                case "pools":
                    return get(method, () -> JsonResponse.ok(plane.pools()));
                case "config":
                    return get(method, () -> JsonResponse.ok(plane.effectiveConfig()));
                case "cluster":
                    return get(method, () -> plane.cluster().map(JsonResponse::ok)
                            .orElseGet(() -> JsonResponse.error(404, "not clustered: the configuration has no cluster section")));
                case "reload":
                    if (!method.equals("POST")) {
                        return JsonResponse.methodNotAllowed(method, "POST");
                    }
                    ReloadResult result = plane.reload();
                    return new JsonResponse(result.applied() ? 200 : 422, result, Map.of());
                default:
                    return notFound(path);
            }
        }
        if (!first.equals("pools") || n < 2 || n > 5) {
            return notFound(path);
        }
        String pool = path.get(1);
        if (n == 2) {
            return get(method, () -> JsonResponse.ok(pool(pool)));
        }
        if (!path.get(2).equals("servers")) {
            return notFound(path);
        }
        if (n == 3) {
            switch (method) {
                case "GET":
                    return JsonResponse.ok(pool(pool).servers());
                case "POST":
                    ServerConfig server = serverConfig(body);
                    plane.addServer(pool, server);
                    return JsonResponse.created(server(pool, server.name()),
                            "/api/v1/pools/" + pool + "/servers/" + server.name());
                default:
                    return JsonResponse.methodNotAllowed(method, "GET, POST");
            }
        }
        String server = path.get(3);
        if (n == 4) {
            switch (method) {
                case "GET":
                    return JsonResponse.ok(server(pool, server));
                case "DELETE":
                    plane.removeServer(pool, server);
                    return JsonResponse.noContent();
                default:
                    return JsonResponse.methodNotAllowed(method, "GET, DELETE");
            }
        }
        switch (path.get(4)) {
            case "state":
                if (!method.equals("PUT")) {
                    return JsonResponse.methodNotAllowed(method, "PUT");
                }
                String state = json.readObject(body).only(Set.of("state")).requiredString("state").toLowerCase(Locale.ROOT);
                if (!STATES.contains(state)) {
                    throw new IllegalArgumentException("state: '" + state + "' (expected: ready, drain or maint)");
                }
                plane.setServerState(pool, server, state);
                return JsonResponse.ok(server(pool, server));
            case "weight":
                if (!method.equals("PUT")) {
                    return JsonResponse.methodNotAllowed(method, "PUT");
                }
                int weight = json.readObject(body).only(Set.of("weight")).requiredInt("weight");
                if (weight < 0 || weight > ServerConfig.MAX_WEIGHT) {
                    throw new IllegalArgumentException("weight: " + weight
                            + " (expected: 0.." + ServerConfig.MAX_WEIGHT + ", 0 takes the server out of rotation)");
                }
                plane.setServerWeight(pool, server, weight);
                return JsonResponse.ok(server(pool, server));
            default:
                return notFound(path);
        }
    }

    private static JsonResponse get(String method, Supplier<JsonResponse> answer) {
        return method.equals("GET") ? answer.get() : JsonResponse.methodNotAllowed(method, "GET");
    }

    private static JsonResponse notFound(List<String> path) {
        return JsonResponse.error(404, "no such API path: /api/v1/" + String.join("/", path));
    }

    private ServerConfig serverConfig(byte[] body) {
        JsonBody b = json.readObject(body).only(SERVER_FIELDS);
        String name = b.requiredString("name");
        HostPort address;
        try {
            address = HostPort.parse(b.requiredString("address"));
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith("address") ? e : new IllegalArgumentException("address: " + e.getMessage());
        }
        return new ServerConfig(name, address,
                b.optionalInt("weight", ServerConfig.DEFAULT_WEIGHT),
                b.optionalBoolean("backup", false),
                b.optionalInt("max_connections", 0));
    }

    private PoolView pool(String name) {
        for (PoolView p : plane.pools()) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        throw new ControlPlane.NotFoundException("no pool '" + name + "'");
    }

    private ServerView server(String pool, String name) {
        for (ServerView s : pool(pool).servers()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new ControlPlane.NotFoundException("pool '" + pool + "': no server '" + name + "'");
    }
}
