package dev.jobharvester.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Chutes' job API: {@code GET /jobs/{id}} has no status field (a job is done when {@code finished_at} is set);
 * {@code output_files} maps file ids to {@code {filename, path, uploaded}}; files are served by the API host itself
 * from {@code GET /jobs/{id}/download/{file_id}}, with the API key. The script state {@code finished} sets
 * {@code finished_at}; {@code broken} makes GET answer 500, as Chutes does for some failed jobs. The key is taken as
 * the last word of the Authorization header, as Chutes reads it.
 */
public final class ChutesApi extends PlatformApi {

    public static final String NAME = "chutes";


    public ChutesApi(String apiKey) {
        super(NAME, apiKey);
    }

    /** Chutes derives file ids from the job id and file name. */
    public static String fileId(SimJob job, SimFile file) {
        return UUID.nameUUIDFromBytes((job.id() + "/" + file.path()).getBytes(StandardCharsets.UTF_8)).toString();
    }

    @Override
    public String downloadPath(SimJob job, SimFile file) {
        return "/jobs/" + job.id() + "/download/" + fileId(job, file);
    }

    @Override
    public void handle(HttpExchange exchange, String path, Simulator simulator) throws IOException {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        String presented = auth == null ? "" : auth.substring(auth.lastIndexOf(' ') + 1);
        if (!presented.equals(apiKey())) {
            detail(exchange, simulator, 401, "Can't find a user with that api key in our db :(");
            return;
        }
        String[] parts = path.split("/");
        // "", "jobs", id [, "download", fileId]
        SimJob job = parts.length >= 3 && parts[1].equals("jobs") ? simulator.job(NAME, parts[2]) : null;
        if (job == null) {
            detail(exchange, simulator, 404, "Job not found, or does not belong to you");
        } else if (parts.length == 3) {
            describe(exchange, simulator, job, job.script().nextStatus());
        } else if (parts.length == 5 && parts[3].equals("download")) {
            download(exchange, simulator, job, parts[4]);
        } else {
            detail(exchange, simulator, 404, "Not Found");
        }
    }

    private void describe(HttpExchange exchange, Simulator simulator, SimJob job, String state) throws IOException {
        if (state.equals("broken")) {
            simulator.json(exchange, 500, simulator.object().put("detail", "Internal Server Error"));
            return;
        }
        // A job that failed or was cancelled ends as Chutes shows it: finished, without a result or files.
        boolean failed = state.equals("failed");
        boolean finished = failed || state.equals("finished");
        ObjectNode body = simulator.object().put("job_id", job.id()).put("user_id", "user-sim")
                .put("chute_id", "chute-sim").put("method", "run").put("active", !finished)
                .put("created_at", job.createdAt().toString());
        body.putObject("job_args");
        if (failed) {
            body.put("finished_at", "2026-11-23T09:00:00").putNull("result").putNull("output_files");
        } else if (finished) {
            body.put("finished_at", "2026-11-23T09:00:00");
            body.putObject("result").put("ok", true);
            ObjectNode files = body.putObject("output_files");
            for (SimFile file : job.files()) {
                files.putObject(fileId(job, file)).put("filename", file.path())
                        .put("path", "jobs/chute-sim/2026-11-23/" + job.id() + "/outputs/" + file.path())
                        .put("uploaded", file.uploaded());
            }
        } else {
            body.putNull("finished_at").putNull("result").putNull("output_files");
        }
        simulator.json(exchange, 200, body);
    }

    private void download(HttpExchange exchange, Simulator simulator, SimJob job, String fileId) throws IOException {
        SimFile file = job.files().stream().filter(f -> fileId(job, f).equals(fileId) && f.uploaded()).findFirst()
                .orElse(null);
        if (file == null) {
            detail(exchange, simulator, 404, "File not found");
            return;
        }
        String name = file.path().substring(file.path().lastIndexOf('/') + 1);
        exchange.getResponseHeaders().set("Content-Disposition", "attachment; filename=\"" + name + "\"");
        simulator.sendFile(exchange, file);
    }

    private static void detail(HttpExchange exchange, Simulator simulator, int status, String detail)
            throws IOException {
        simulator.json(exchange, status, simulator.object().put("detail", detail));
    }
}
