package dev.jobharvester.sim;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A crowd of jobs on one platform that wait until told to end, and the figures of what a harvester asked about them:
 * status calls, listings of the job list, and for each ended job how long until its outputs were first asked for (its
 * harvest started). Served under {@code /_watch} on the API host for a benchmark in another process:
 * {@code POST /_watch/end?count=N} ends the next N jobs, {@code GET /_watch/stats} answers the figures, and
 * {@code POST /_watch/reset} starts the counts over.
 */
public final class WatchedJobs implements SimulatedApi {

    public static final String NAME = "_watch";

    private final String platform;
    private final List<SimJob> crowd = new ArrayList<>();
    private final Map<String, SimJob> byId = new ConcurrentHashMap<>();
    private final Map<String, Long> endedAt = new ConcurrentHashMap<>();
    private final Map<String, Long> harvestDelayMillis = new ConcurrentHashMap<>();
    private final AtomicLong statusCalls = new AtomicLong();
    private final AtomicLong listings = new AtomicLong();
    private final AtomicLong otherCalls = new AtomicLong();
    private volatile long countingSince = System.nanoTime();
    private int ended;

    /**
     * Adds {@code count} jobs {@code watch-00001…} to the platform, waiting in {@code waitingState} until ended into
     * {@code endState}, each with one small output file.
     */
    public WatchedJobs(Simulator simulator, String platform, int count, String waitingState, String endState) {
        this.platform = platform;
        for (int i = 1; i <= count; i++) {
            SimJob job = simulator.addJob(platform, SimJob.of("watch-%05d".formatted(i),
                    JobScript.start(waitingState, Integer.MAX_VALUE).thenStays(endState),
                    List.of(new SimFile("results/out.json", 1_024, i))));
            crowd.add(job);
            byId.put(job.id(), job);
        }
        simulator.serve(this);
        simulator.onApiCall(this::count);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String apiKey() {
        return "";
    }

    /** Sorts one call to the platform's API: a listing, a status call about a job of the crowd, or anything else. */
    private void count(String path) {
        if (!path.startsWith("/" + platform + "/")) {
            return;
        }
        String last = path.substring(path.lastIndexOf('/') + 1);
        String outputsOf = byId.keySet().stream().filter(id -> path.contains("/pull/" + id)
                || path.contains("/" + id + "/")).findFirst().orElse(null);
        if (outputsOf != null) {
            otherCalls.incrementAndGet();
            Long at = endedAt.get(outputsOf);
            if (at != null) {
                harvestDelayMillis.putIfAbsent(outputsOf, Duration.ofNanos(System.nanoTime() - at).toMillis());
            }
        } else if (byId.containsKey(last)) {
            statusCalls.incrementAndGet();
        } else if (last.equals("jobs")) {
            listings.incrementAndGet();
        } else {
            otherCalls.incrementAndGet();
        }
    }

    /** Ends the next {@code count} jobs of the crowd now. */
    public synchronized void end(int count) {
        for (int i = 0; i < count && ended < crowd.size(); i++, ended++) {
            SimJob job = crowd.get(ended);
            endedAt.put(job.id(), System.nanoTime());
            job.script().advance();
        }
    }

    public void reset() {
        statusCalls.set(0);
        listings.set(0);
        otherCalls.set(0);
        countingSince = System.nanoTime();
    }

    @Override
    public void handle(HttpExchange exchange, String path, Simulator simulator) throws IOException {
        switch (path) {
            case "/end" -> {
                end(Integer.parseInt(Simulator.query(exchange.getRequestURI().getRawQuery()).getOrDefault("count",
                        "1")));
                simulator.json(exchange, 200, simulator.object().put("ended", ended));
            }
            case "/reset" -> {
                reset();
                simulator.json(exchange, 200, simulator.object());
            }
            case "/stats" -> simulator.json(exchange, 200, stats(simulator.object()));
            default -> simulator.json(exchange, 404, simulator.object().put("detail", "no such control"));
        }
    }

    private ObjectNode stats(ObjectNode body) {
        body.put("seconds", (System.nanoTime() - countingSince) / 1e9).put("statusCalls", statusCalls.get())
                .put("listings", listings.get()).put("otherCalls", otherCalls.get()).put("ended", endedAt.size());
        ArrayNode delays = body.putArray("harvestDelayMillis");
        harvestDelayMillis.values().stream().sorted().forEach(delays::add);
        return body;
    }
}
