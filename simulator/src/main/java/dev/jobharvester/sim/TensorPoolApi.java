package dev.jobharvester.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.Set;

/**
 * TensorPool's job API as ../shared/providers.md describes it: Bearer auth, {@code job_info.status} in lower case,
 * {@code /job/pull} answering presigned URLs for terminal jobs, an rsync command while the instance is live, and 400
 * while the job is pending.
 */
public final class TensorPoolApi extends PlatformApi {

    public static final String NAME = "tensorpool";
    private static final Set<String> LIVE = Set.of("running", "canceling");


    public TensorPoolApi(String apiKey) {
        super(NAME, apiKey);
    }

    @Override
    public void handle(HttpExchange exchange, String path, Simulator simulator) throws IOException {
        if (!("Bearer " + apiKey()).equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            simulator.json(exchange, 401, simulator.object().put("message", "Invalid or missing API key"));
            return;
        }
        if (path.equals("/job/list")) {
            simulator.json(exchange, 200, simulator.object().put("message", "JOB ID\tSTATUS\n" + String.join("\n",
                    simulator.jobs(NAME).stream().map(j -> j.id() + "\t" + j.script().current()).toList())));
            return;
        }
        String[] parts = path.split("/", 4);
        SimJob job = parts.length == 4 ? simulator.job(NAME, parts[3]) : null;
        if (job == null) {
            simulator.json(exchange, 404, simulator.object().put("message", "Job not found"));
        } else if (parts[2].equals("info")) {
            info(exchange, simulator, job);
        } else if (parts[2].equals("pull")) {
            pull(exchange, simulator, job);
        } else {
            simulator.json(exchange, 404, simulator.object().put("message", "Not Found"));
        }
    }

    private void info(HttpExchange exchange, Simulator simulator, SimJob job) throws IOException {
        String status = job.script().nextStatus();
        ObjectNode body = simulator.object().put("message", "JOB ID\tSTATUS\n" + job.id() + "\t" + status);
        ObjectNode info = body.putObject("job_info").put("job_id", job.id()).put("status", status)
                .put("instance_type", "1xH100").put("created_at", "2026-11-23T08:00:00Z");
        if (status.equals("completed")) {
            info.put("exit_code", 0);
        } else if (status.equals("error")) {
            info.put("exit_code", 1);
        } else {
            info.putNull("exit_code");
        }
        simulator.json(exchange, 200, body);
    }

    private void pull(HttpExchange exchange, Simulator simulator, SimJob job) throws IOException {
        String status = job.script().current();
        if (status.equals("pending")) {
            simulator.json(exchange, 400, simulator.object().put("message", "Job is pending; nothing to pull yet"));
            return;
        }
        ObjectNode body = simulator.object();
        if (LIVE.contains(status)) {
            body.put("message", "Job is running: pulling over rsync").putNull("download_map")
                    .put("command", "rsync -avz -e 'ssh -i key' ubuntu@203.0.113.7:~/outputs/ .")
                    .put("command_show_stdout", true);
        } else {
            boolean dryRun = "dry_run=true".equals(exchange.getRequestURI().getQuery());
            ObjectNode map = body.put("message", "Pulled " + job.files().size() + " files").putObject("download_map");
            for (SimFile file : job.files()) {
                if (dryRun) {
                    map.putNull(file.path());
                } else {
                    map.put(file.path(), file.listedAt() != null ? file.listedAt()
                            : simulator.presign(NAME, job.id(), file.path()));
                }
            }
            body.putNull("command").putNull("command_show_stdout");
        }
        simulator.json(exchange, 200, body);
    }
}
