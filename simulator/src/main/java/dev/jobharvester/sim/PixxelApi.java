package dev.jobharvester.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Pixxel's job API: the raw API key (a Bearer prefix is accepted too), jobs under a workflow, and a job package that
 * {@code PUT .../download} prepares over a few calls (there is no GET for it) before it answers {@code ready} and a
 * signed URL to one ZIP of the job's files. Errors are {@code {"error":{code,message,details}}}.
 */
public final class PixxelApi extends PlatformApi {

    public static final String NAME = "pixxel";
    public static final String WORKFLOW = "wf-sim";
    /** The name the package is stored under, beside the job's files. */
    public static final String PACKAGE = "package.zip";

    private final Map<String, AtomicInteger> packageCalls = new ConcurrentHashMap<>();
    private final Map<String, byte[]> packages = new ConcurrentHashMap<>();
    private volatile int callsUntilReady = 2;

    public PixxelApi(String apiKey) {
        super(NAME, apiKey);
    }

    /** How many {@code PUT .../download} calls a package needs before it is ready. */
    public void callsUntilReady(int calls) {
        this.callsUntilReady = calls;
    }

    @Override
    public void handle(HttpExchange exchange, String path, Simulator simulator) throws IOException {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !(auth.equals(apiKey()) || auth.equals("Bearer " + apiKey()))) {
            error(exchange, simulator, 403, "forbidden", "invalid API key");
            return;
        }
        String[] parts = path.split("/");
        // "", "v0", "workflows", w, "jobs" [, j [, "download"]]
        if (parts.length < 5 || !parts[1].equals("v0") || !parts[2].equals("workflows") || !parts[4].equals("jobs")) {
            error(exchange, simulator, 404, "not_found", "no such resource");
        } else if (!parts[3].equals(WORKFLOW)) {
            error(exchange, simulator, 403, "forbidden", "no permission on workflow " + parts[3]);
        } else if (parts.length == 5) {
            list(exchange, simulator);
        } else {
            SimJob job = simulator.job(NAME, parts[5]);
            if (job == null) {
                error(exchange, simulator, 404, "not_found", "job " + parts[5] + " not found");
            } else if (parts.length == 6 && exchange.getRequestMethod().equals("GET")) {
                simulator.json(exchange, 200, describe(simulator, job, job.script().nextStatus()));
            } else if (parts.length == 7 && parts[6].equals("download") && exchange.getRequestMethod().equals("PUT")) {
                download(exchange, simulator, job);
            } else {
                error(exchange, simulator, 405, "method_not_allowed", "method not allowed");
            }
        }
    }

    private void list(HttpExchange exchange, Simulator simulator) throws IOException {
        String status = Simulator.query(exchange.getRequestURI().getRawQuery()).get("status");
        ObjectNode body = simulator.object();
        ArrayNode list = body.putArray("jobs");
        for (SimJob job : simulator.jobs(NAME)) {
            String current = job.script().current();
            if (status == null || status.equals(current)) {
                // A listing is a look at the job as a status request is: its script moves on the same way.
                list.add(describe(simulator, job, job.script().nextStatus()));
            }
        }
        simulator.json(exchange, 200, body);
    }

    private static ObjectNode describe(Simulator simulator, SimJob job, String status) {
        ObjectNode node = simulator.object().put("id", job.id()).put("workflow_id", WORKFLOW).put("status", status)
                .put("created_by", "sim").put("created_at", job.createdAt().toString()).put("cost", 1)
                .put("progress", status.equals("completed") ? "100" : "40");
        node.putArray("tasks");
        return node;
    }

    private void download(HttpExchange exchange, Simulator simulator, SimJob job) throws IOException {
        if (!job.script().current().equals("completed") && !job.script().current().equals("failed")) {
            error(exchange, simulator, 400, "invalid_state", "job " + job.id() + " has not finished");
            return;
        }
        int calls = packageCalls.computeIfAbsent(job.id(), id -> new AtomicInteger()).incrementAndGet();
        ObjectNode body = simulator.object().put("id", "dl-" + job.id()).put("workflowId", WORKFLOW);
        if (calls < callsUntilReady) {
            body.put("status", "pending").put("signed_url", "");
        } else {
            byte[] zip = packages.containsKey(job.id()) ? packages.get(job.id()) : zip(job);
            simulator.publish(NAME, job.id(), SimFile.ofBytes(PACKAGE, zip));
            body.put("status", "ready").put("signed_url", simulator.presign(NAME, job.id(), PACKAGE));
        }
        simulator.json(exchange, 200, body);
    }

    /** The package a job hands out instead of its files zipped: an archive a test made, hostile or odd. */
    public void packageFor(String jobId, byte[] zip) {
        packages.put(jobId, zip);
    }

    /** The job's files as one ZIP, entry names exactly as the files' paths (hostile ones included). */
    public static byte[] zip(SimJob job) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (SimFile file : job.files()) {
                ZipEntry entry = new ZipEntry(file.path());
                // A fixed time keeps the package's bytes the same however often it is built.
                entry.setTime(0);
                zip.putNextEntry(entry);
                try (InputStream in = file.content().open(0)) {
                    in.transferTo(zip);
                }
                zip.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static void error(HttpExchange exchange, Simulator simulator, int status, String code, String message)
            throws IOException {
        ObjectNode body = simulator.object();
        body.putObject("error").put("code", code).put("message", message).putArray("details");
        simulator.json(exchange, status, body);
    }
}
