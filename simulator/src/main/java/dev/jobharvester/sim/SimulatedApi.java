package dev.jobharvester.sim;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/**
 * One platform's API in the simulator, served under {@code /<name>} on the simulator's API host. Adding a platform
 * means adding one of these; jobs, storage, faults and the request log are shared.
 */
public interface SimulatedApi {

    String name();

    /** The API key this platform's simulated API accepts. */
    String apiKey();

    /**
     * Answers one request. The simulator has already logged it and checked nothing: auth is the platform's own.
     *
     * @param path the request path below {@code /<name>}
     */
    void handle(HttpExchange exchange, String path, Simulator simulator) throws IOException;

    /**
     * The API host path a file is downloaded from, for platforms that serve files themselves (Chutes); null when
     * files come from presigned storage URLs.
     */
    default String downloadPath(SimJob job, SimFile file) {
        return null;
    }
}
