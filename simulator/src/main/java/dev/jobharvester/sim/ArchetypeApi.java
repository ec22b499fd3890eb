package dev.jobharvester.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Archetype AI's batch API: Bearer auth, UPPERCASE states ({@code CANCELLED} with two l), jobs listed and outputs
 * listed in pages of {@code offset/limit/total}, each output with a presigned {@code data.ref} that expires at
 * {@code expires_at}. A file's path {@code port/input/name} (or {@code port/name}) gives its port_name, input_id and
 * filename. Errors are {@code {"errors":[{code,message,error_uid}]}}.
 */
public final class ArchetypeApi extends PlatformApi {

    public static final String NAME = "archetype";
    private static final int DEFAULT_LIMIT = 10;
    private static final int MAX_LIMIT = 100;

    private final Set<String> pagesListed = ConcurrentHashMap.newKeySet();
    private volatile boolean firstListingExpired;

    public ArchetypeApi(String apiKey) {
        super(NAME, apiKey);
    }

    /**
     * Makes the first listing of each page of outputs hand out refs that have expired already, as a client that is
     * slow to fetch would find them; listing the page again gives fresh ones.
     */
    public void firstListingExpired(boolean expired) {
        this.firstListingExpired = expired;
    }

    @Override
    public void handle(HttpExchange exchange, String path, Simulator simulator) throws IOException {
        if (!("Bearer " + apiKey()).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            simulator.json(exchange, 401, simulator.object().put("detail", "Invalid or missing API key"));
            return;
        }
        Map<String, String> query = Simulator.query(exchange.getRequestURI().getRawQuery());
        String[] parts = path.split("/");
        // "", "batch", "jobs" [, id [, "outputs"]]
        if (parts.length < 3 || !parts[1].equals("batch") || !parts[2].equals("jobs")) {
            error(exchange, simulator, 404, "not_found", "no such resource");
            return;
        }
        if (parts.length == 3) {
            listJobs(exchange, simulator, query);
            return;
        }
        SimJob job = simulator.job(NAME, parts[3]);
        if (job == null) {
            error(exchange, simulator, 404, "NOT_FOUND", "job " + parts[3] + " not found");
        } else if (parts.length == 4) {
            simulator.json(exchange, 200, describe(simulator, job, job.script().nextStatus()));
        } else if (parts.length == 5 && parts[4].equals("outputs")) {
            listOutputs(exchange, simulator, job, query);
        } else {
            error(exchange, simulator, 404, "not_found", "no such resource");
        }
    }

    private void listJobs(HttpExchange exchange, Simulator simulator, Map<String, String> query) throws IOException {
        String status = query.get("status");
        List<SimJob> matching = simulator.jobs(NAME).stream()
                .filter(j -> status == null || status.equals(j.script().current())).toList();
        int offset = number(query, "offset", 0);
        int limit = Math.min(MAX_LIMIT, number(query, "limit", DEFAULT_LIMIT));
        ObjectNode body = simulator.object().put("total", matching.size()).put("offset", offset).put("limit", limit);
        ArrayNode list = body.putArray("jobs");
        // A listing is a look at each job listed as a status request is: its script moves on the same way.
        matching.stream().skip(offset).limit(limit)
                .forEach(j -> list.add(describe(simulator, j, j.script().nextStatus())));
        simulator.json(exchange, 200, body);
    }

    private void listOutputs(HttpExchange exchange, Simulator simulator, SimJob job, Map<String, String> query)
            throws IOException {
        String port = query.get("port_name");
        String input = query.get("input_id");
        List<SimFile> matching = job.files().stream().filter(f -> port == null || port.equals(portOf(f)))
                .filter(f -> input == null || input.equals(inputOf(f))).toList();
        int offset = number(query, "offset", 0);
        int limit = Math.min(MAX_LIMIT, number(query, "limit", DEFAULT_LIMIT));
        Instant now = Instant.now();
        boolean expired = firstListingExpired && pagesListed.add(job.id() + "@" + offset + "/" + limit);
        Duration ttl = expired ? Duration.ofSeconds(-60) : simulator.urlTtl();
        ObjectNode body = simulator.object().put("job_id", job.id()).put("total", matching.size()).put("offset", offset)
                .put("limit", limit);
        ArrayNode outputs = body.putArray("outputs");
        for (int i = offset; i < Math.min(matching.size(), offset + limit); i++) {
            SimFile file = matching.get(i);
            ObjectNode output = outputs.addObject().put("id", "out_" + file.path())
                    .put("job_id", job.id()).put("port_name", portOf(file)).put("input_id", inputOf(file));
            output.putObject("data").put("ref", simulator.presign(NAME, job.id(), file.path(), ttl))
                    .put("filename", file.path().substring(file.path().lastIndexOf('/') + 1))
                    .put("file_type", "application/octet-stream").put("num_bytes", file.size()).putObject("metadata");
            output.put("expires_at", now.plus(ttl).toString()).put("created_at", now.toString());
        }
        simulator.json(exchange, 200, body);
    }

    private static String portOf(SimFile file) {
        return file.path().substring(0, file.path().indexOf('/'));
    }

    private static String inputOf(SimFile file) {
        String[] parts = file.path().split("/");
        return parts.length == 3 ? parts[1] : null;
    }

    private static ObjectNode describe(Simulator simulator, SimJob job, String status) {
        ObjectNode described = simulator.object().put("id", job.id()).put("org_id", "org_sim")
                .put("pipeline_type", "batch").put("status", status).put("retry_count", 0)
                .put("created_at", job.createdAt().toString());
        if (status.equals("FAILED")) {
            // The docs leave the shape of a failed job's error open; an object is the harder case.
            described.putObject("error").put("code", "worker_crashed").put("message", "the worker exited with 137");
        } else {
            described.putNull("error");
        }
        return described;
    }

    private static int number(Map<String, String> query, String name, int fallback) {
        try {
            return query.containsKey(name) ? Integer.parseInt(query.get(name)) : fallback;
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static void error(HttpExchange exchange, Simulator simulator, int status, String code, String message)
            throws IOException {
        ObjectNode body = simulator.object();
        body.putArray("errors").addObject().put("code", code).put("message", message).put("error_uid", "err-sim");
        simulator.json(exchange, status, body);
    }
}
