package dev.jobharvester.app;

import dev.jobharvester.component.JobOutputsConsumer;
import dev.jobharvester.component.JobOutputsEndpoint;
import dev.jobharvester.component.JobPhase;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.Route;
import org.apache.camel.main.Main;
import org.apache.camel.support.ScheduledPollConsumer;

/**
 * {@code harvest}: the given jobs through one pipeline of routes/, then exit, for scripts and cron. The pipeline's
 * own jobs, inbox and discovery are left out; its ledger is the daemon's, so nothing delivered before is fetched again.
 */
final class HarvestOnce {

    /** How often the run looks whether its jobs are done; its exit waits up to this long after the last one is. */
    private static final Duration CHECK_EVERY = Duration.ofMillis(10);
    private static final Duration WAITING_POLL = Duration.ofSeconds(1);
    /**
     * How long a pipeline may be stalled (its platform's API, its ledger or its sink failing) while a job is harvested
     * before the run leaves the job for later.
     */
    static final Duration STALLED_GRACE = Duration.ofSeconds(30);

    private HarvestOnce() {
    }

    static int run(Path config, CommandLine line, PrintStream out, PrintStream err) throws InterruptedException {
        String routeId = line.required("route", "the id of the pipeline to harvest through");
        List<String> jobIds = Arrays.stream(line.required("jobs", "the job ids, comma-separated").split(","))
                .map(String::trim).filter(id -> !id.isEmpty()).distinct().toList();
        Duration wait = Duration.ofSeconds(line.longOption("wait", 0));
        Main main = Harvester.create(config, Harvester.PIPELINES_NOT_STARTED, routeId);
        try {
            main.start();
        } catch (Exception e) {
            err.println("job-harvester harvest: cannot start: " + Harvester.describe(e));
            return ExitCodes.CONFIG;
        }
        try {
            CamelContext context = main.getCamelContext();
            Route route = context.getRoute(routeId);
            if (route == null || !(route.getEndpoint() instanceof JobOutputsEndpoint endpoint)) {
                err.println("job-harvester harvest: no job-outputs pipeline has the id '" + routeId + "'; pipelines: "
                        + context.getRoutes().stream().map(Route::getRouteId).collect(Collectors.joining(", ")));
                return ExitCodes.CONFIG;
            }
            endpoint.getConfiguration().setJobIds(String.join(",", jobIds));
            endpoint.getConfiguration().setInbox(null);
            endpoint.getConfiguration().setDiscover(false);
            // Run from a script: while a job has not ended, ask again soon (from every WAITING_POLL, backing off to
            // every WAITING_POLL x 5), not at the daemon's pace.
            endpoint.getConfiguration().setMaxCheckInterval(WAITING_POLL.toMillis() * 5);
            if (route.getConsumer() instanceof ScheduledPollConsumer consumer) {
                // Poll at once, not after the daemon's start-up grace; a pipeline whose own delay is shorter keeps it.
                consumer.setInitialDelay(0);
                consumer.setDelay(Math.min(consumer.getDelay(), WAITING_POLL.toMillis()));
            }
            try {
                endpoint.requireCredentials();
                context.getRouteController().startRoute(routeId);
            } catch (Exception e) {
                err.println("job-harvester harvest: " + Harvester.describe(e));
                return ExitCodes.CONFIG;
            }
            return await((JobOutputsConsumer) route.getConsumer(), jobIds, Instant.now().plus(wait), out);
        } finally {
            main.stop();
        }
    }

    /**
     * Waits until every job is done with, or past the deadline is left for a later run: a job still running on its
     * platform; one its platform's API, failing, has not told about; or one being harvested while the pipeline has
     * been stalled for {@link #STALLED_GRACE} (its API, its ledger or its sink failing as a whole). What was delivered
     * stays delivered; the next run goes on from there.
     */
    private static int await(JobOutputsConsumer consumer, List<String> jobIds, Instant deadline, PrintStream out)
            throws InterruptedException {
        Instant stalledSince = null;
        while (true) {
            Instant now = Instant.now();
            stalledSince = consumer.stalled() == null ? null : stalledSince == null ? now : stalledSince;
            boolean givenTime = now.isAfter(deadline);
            boolean stalledLong = stalledSince != null && stalledSince.plus(STALLED_GRACE).isBefore(now);
            if (jobIds.stream().allMatch(id -> consumer.jobPhase(id).isFinished()
                    || givenTime && (waitsForThePlatform(consumer, id) || stalledLong))) {
                break;
            }
            Thread.sleep(CHECK_EVERY.toMillis());
        }
        int exit = ExitCodes.OK;
        for (String id : jobIds) {
            JobPhase phase = consumer.jobPhase(id);
            String stalled = phase.isFinished() ? null : consumer.stalled();
            String verdict = phase == JobPhase.WAITING && !consumer.isJobSeen(id) && !consumer.apiStatus().answering()
                    ? "not reached: its API is " + consumer.getApiStatus() + "; try again later"
                    : phase == JobPhase.HARVESTING && stalled != null ? "not finished: " + stalled + "; try again later"
                    : describe(phase);
            out.println(consumer.getProvider() + " job " + id + ": " + verdict);
            if (phase == JobPhase.WAITING || phase == JobPhase.HARVESTING && stalled != null) {
                exit = exit == ExitCodes.OK ? ExitCodes.NOT_FINISHED : exit;
            } else if (phase != JobPhase.HARVESTED) {
                exit = ExitCodes.FAILED;
            }
        }
        return exit;
    }

    /**
     * A job not harvested yet that still runs on its platform, or that the platform's API, failing, has not told of.
     * Whether it was seen is read before its phase: the consumer records the phase a state leads to before the state.
     */
    private static boolean waitsForThePlatform(JobOutputsConsumer consumer, String id) {
        boolean seen = consumer.isJobSeen(id);
        return consumer.jobPhase(id) == JobPhase.WAITING && (seen || !consumer.apiStatus().answering());
    }

    private static String describe(JobPhase phase) {
        return switch (phase) {
            case HARVESTED -> "harvested";
            case WAITING -> "not finished on the platform yet; try again later";
            case HARVESTING -> "stopped while harvesting";
            case PARKED -> "not complete: some files failed too often and are parked (see the log)";
            case NOT_HARVESTED -> "ended in a state this pipeline does not harvest";
            case GIVEN_UP -> "given up: the platform kept answering errors (see the log)";
        };
    }
}
