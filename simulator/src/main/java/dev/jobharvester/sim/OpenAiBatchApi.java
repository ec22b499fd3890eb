package dev.jobharvester.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * OpenAI's Batch API as its reference documents it: {@code GET /v1/batches/{id}} with a lower-case {@code status}
 * (validating, in_progress, finalizing, completed, failed, expired, cancelling, cancelled), {@code output_file_id}
 * and {@code error_file_id} once it ended, their bytes from {@code GET /v1/files/{id}/content} with the key, the
 * batch list {@code GET /v1/batches?limit=&after=} paged by cursor ({@code has_more}, {@code last_id}), and errors
 * as {@code {"error":{"message",...}}}. A job's file {@code output.jsonl} is its output file, {@code errors.jsonl}
 * its error file.
 */
public final class OpenAiBatchApi extends PlatformApi {

    public static final String NAME = "openai-batch";
    public static final String OUTPUT = "output.jsonl";
    public static final String ERRORS = "errors.jsonl";
    private static final List<String> ENDED = List.of("completed", "failed", "expired", "cancelled");

    public OpenAiBatchApi(String apiKey) {
        super(NAME, apiKey);
    }

    /** OpenAI names files by id; the simulator derives one from the job and the file's path. */
    public static String fileId(SimJob job, SimFile file) {
        return "file-" + UUID.nameUUIDFromBytes((job.id() + "/" + file.path()).getBytes(StandardCharsets.UTF_8))
                .toString().replace("-", "");
    }

    @Override
    public String downloadPath(SimJob job, SimFile file) {
        return "/v1/files/" + fileId(job, file) + "/content";
    }

    @Override
    public void handle(HttpExchange exchange, String path, Simulator simulator) throws IOException {
        if (!("Bearer " + apiKey()).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            error(exchange, simulator, 401, "Incorrect API key provided.", "invalid_request_error");
            return;
        }
        String[] parts = path.split("/");
        // "", "v1", "batches" [, id]  or  "", "v1", "files", id, "content"
        if (parts.length == 3 && parts[2].equals("batches")) {
            list(exchange, simulator, Simulator.query(exchange.getRequestURI().getRawQuery()));
        } else if (parts.length == 4 && parts[2].equals("batches")) {
            SimJob job = simulator.job(NAME, parts[3]);
            if (job == null) {
                error(exchange, simulator, 404, "No batch found with id '" + parts[3] + "'.", "invalid_request_error");
            } else {
                simulator.json(exchange, 200, batch(simulator, job, job.script().nextStatus()));
            }
        } else if (parts.length == 5 && parts[2].equals("files") && parts[4].equals("content")) {
            content(exchange, simulator, parts[3]);
        } else {
            error(exchange, simulator, 404, "Invalid URL (" + exchange.getRequestMethod() + " " + path + ")",
                    "invalid_request_error");
        }
    }

    private ObjectNode batch(Simulator simulator, SimJob job, String status) {
        ObjectNode batch = simulator.object().put("id", job.id()).put("object", "batch")
                .put("endpoint", "/v1/chat/completions").putNull("errors").put("input_file_id", "file-input")
                .put("completion_window", "24h").put("status", status)
                .put("created_at", job.createdAt().getEpochSecond());
        SimFile output = named(job, OUTPUT);
        SimFile errors = named(job, ERRORS);
        boolean ended = ENDED.contains(status);
        if (ended && output != null) {
            batch.put("output_file_id", fileId(job, output));
        } else {
            batch.putNull("output_file_id");
        }
        if (ended && errors != null) {
            batch.put("error_file_id", fileId(job, errors));
        } else {
            batch.putNull("error_file_id");
        }
        if (status.equals("failed")) {
            batch.putObject("errors").put("object", "list").putArray("data").addObject()
                    .put("code", "invalid_json_line").put("message", "line 3 is not valid JSON").put("line", 3);
        }
        batch.putObject("request_counts").put("total", 3).put("completed", errors == null ? 3 : 2)
                .put("failed", errors == null ? 0 : 1);
        batch.putObject("metadata");
        return batch;
    }

    private static SimFile named(SimJob job, String name) {
        return job.files().stream().filter(f -> f.path().equals(name)).findFirst().orElse(null);
    }

    private void list(HttpExchange exchange, Simulator simulator, Map<String, String> query) throws IOException {
        int limit = query.containsKey("limit") ? Integer.parseInt(query.get("limit")) : 20;
        String after = query.get("after");
        List<SimJob> jobs = simulator.jobs(NAME).stream().sorted(Comparator.comparing(SimJob::id)).toList();
        int from = 0;
        if (after != null) {
            while (from < jobs.size() && jobs.get(from).id().compareTo(after) <= 0) {
                from++;
            }
        }
        List<SimJob> page = jobs.subList(from, Math.min(jobs.size(), from + limit));
        ObjectNode body = simulator.object().put("object", "list");
        ArrayNode data = body.putArray("data");
        page.forEach(job -> data.add(batch(simulator, job, job.script().current())));
        if (page.isEmpty()) {
            body.putNull("first_id").putNull("last_id");
        } else {
            body.put("first_id", page.get(0).id()).put("last_id", page.get(page.size() - 1).id());
        }
        body.put("has_more", from + page.size() < jobs.size());
        simulator.json(exchange, 200, body);
    }

    private void content(HttpExchange exchange, Simulator simulator, String fileId) throws IOException {
        for (SimJob job : simulator.jobs(NAME)) {
            for (SimFile file : job.files()) {
                if (fileId(job, file).equals(fileId)) {
                    simulator.sendFile(exchange, file);
                    return;
                }
            }
        }
        error(exchange, simulator, 404, "No such File object: " + fileId, "invalid_request_error");
    }

    private static void error(HttpExchange exchange, Simulator simulator, int status, String message, String type)
            throws IOException {
        ObjectNode body = simulator.object();
        body.putObject("error").put("message", message).put("type", type).putNull("param").putNull("code");
        simulator.json(exchange, status, body);
    }
}
