package dev.jobharvester.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Replicate's predictions as its HTTP API reference documents them: {@code GET /v1/predictions/{id}} with
 * {@code status} starting, processing, succeeded, failed, canceled or aborted; once succeeded, {@code output} is one
 * file URL, or a list of them when the model made several (here: presigned storage URLs, which expire); the
 * prediction list {@code GET /v1/predictions} paged by a {@code next} link; errors as
 * {@code {"title","detail","status"}}.
 */
public final class ReplicateApi extends PlatformApi {

    public static final String NAME = "replicate";
    private static final int PAGE = 100;

    public ReplicateApi(String apiKey) {
        super(NAME, apiKey);
    }

    @Override
    public void handle(HttpExchange exchange, String path, Simulator simulator) throws IOException {
        if (!("Bearer " + apiKey()).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            problem(exchange, simulator, 401, "Unauthenticated", "You did not pass a valid authentication token");
            return;
        }
        String[] parts = path.split("/");
        // "", "v1", "predictions" [, id]
        if (parts.length == 3 && parts[2].equals("predictions")) {
            list(exchange, simulator, Simulator.query(exchange.getRequestURI().getRawQuery()));
        } else if (parts.length == 4 && parts[2].equals("predictions")) {
            SimJob job = simulator.job(NAME, parts[3]);
            if (job == null) {
                problem(exchange, simulator, 404, "Not found", "The requested resource could not be found.");
            } else {
                simulator.json(exchange, 200, prediction(simulator, job, job.script().nextStatus()));
            }
        } else {
            problem(exchange, simulator, 404, "Not found", "The requested resource could not be found.");
        }
    }

    private ObjectNode prediction(Simulator simulator, SimJob job, String status) {
        ObjectNode prediction = simulator.object().put("id", job.id()).put("model", "sim/upscaler")
                .put("version", "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa")
                .put("status", status).put("created_at", job.createdAt().toString()).put("logs", "");
        prediction.putObject("input").put("prompt", "a simulated prediction");
        if (status.equals("succeeded") && job.files().size() == 1) {
            prediction.put("output", simulator.presign(NAME, job.id(), job.files().get(0).path()));
        } else if (status.equals("succeeded")) {
            ArrayNode output = prediction.putArray("output");
            job.files().forEach(f -> output.add(simulator.presign(NAME, job.id(), f.path())));
        } else {
            prediction.putNull("output");
        }
        if (status.equals("failed")) {
            prediction.put("error", "CUDA out of memory");
        } else {
            prediction.putNull("error");
        }
        prediction.putObject("urls").put("get", simulator.apiUrl(NAME) + "/v1/predictions/" + job.id());
        return prediction;
    }

    private void list(HttpExchange exchange, Simulator simulator, Map<String, String> query) throws IOException {
        int from = query.containsKey("cursor") ? Integer.parseInt(query.get("cursor")) : 0;
        List<SimJob> jobs = simulator.jobs(NAME).stream().sorted(Comparator.comparing(SimJob::id)).toList();
        List<SimJob> page = jobs.subList(Math.min(from, jobs.size()), Math.min(jobs.size(), from + PAGE));
        ObjectNode body = simulator.object().putNull("previous");
        if (from + page.size() < jobs.size()) {
            body.put("next", simulator.apiUrl(NAME) + "/v1/predictions?cursor=" + (from + page.size()));
        } else {
            body.putNull("next");
        }
        ArrayNode results = body.putArray("results");
        page.forEach(job -> results.add(prediction(simulator, job, job.script().current())));
        simulator.json(exchange, 200, body);
    }

    private static void problem(HttpExchange exchange, Simulator simulator, int status, String title, String detail)
            throws IOException {
        simulator.json(exchange, status, simulator.object().put("title", title).put("detail", detail)
                .put("status", status));
    }
}
