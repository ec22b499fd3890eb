package dev.jobharvester.ledger;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one PostgreSQL server carries of the shared ledger, for bench/ledger.sh: fenced file records per second from 1,
 * 2 and 4 instances (each with its pool of 8 connections and 8 lanes writing), and the schedule's statements with
 * 100,000 watched jobs. Prints tab-separated rows; run with the JDBC URL of an empty database.
 */
public final class LedgerCapacity {

    private static final int LANES = 8;
    private static final int FILES_PER_JOB = 200;

    private LedgerCapacity() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        Duration each = Duration.ofSeconds(Long.parseLong(args.length > 1 ? args[1] : "10"));
        int watched = Integer.parseInt(args.length > 2 ? args[2] : "100000");
        for (int instances : new int[] {1, 2, 4}) {
            System.out.printf(Locale.ROOT, "records\t%d\t%.0f%n", instances, recordsPerSecond(url, instances, each));
        }
        schedule(url, watched);
    }

    private static HikariDataSource pool(String url, String name) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(url);
        config.setMaximumPoolSize(8);
        return new HikariDataSource(config);
    }

    /** Every lane claims a job, records its files one by one (each its own fenced transaction), completes it. */
    private static double recordsPerSecond(String url, int instances, Duration each) throws Exception {
        List<HikariDataSource> pools = new ArrayList<>();
        List<JdbcLedger> ledgers = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            HikariDataSource pool = pool(url, "capacity-" + instances + "-" + i);
            pools.add(pool);
            JdbcLedger ledger = new JdbcLedger(pool, "bench", "capacity-" + instances, "instance-" + i,
                    Duration.ofSeconds(60));
            ledger.start();
            ledgers.add(ledger);
        }
        ExecutorService lanes = Executors.newFixedThreadPool(instances * LANES);
        AtomicBoolean running = new AtomicBoolean(true);
        List<Future<Long>> written = new ArrayList<>();
        for (int i = 0; i < instances * LANES; i++) {
            JdbcLedger ledger = ledgers.get(i % instances);
            String lane = "lane-" + i;
            written.add(lanes.submit(() -> {
                long records = 0;
                for (int job = 0; running.get(); job++) {
                    String jobKey = "bench/" + lane + "-" + job;
                    Lease lease = ledger.claim(jobKey).orElseThrow();
                    for (int f = 0; f < FILES_PER_JOB && running.get(); f++, records++) {
                        ledger.delivered(DeliveredFile.file(jobKey, "out/part-" + f + ".bin", 65_536,
                                "ab".repeat(32), "out/part-" + f + ".bin"));
                    }
                    ledger.jobComplete(jobKey, new Ledger.Completion("completed", 1));
                    lease.release();
                }
                return records;
            }));
        }
        Thread.sleep(each.toMillis());
        running.set(false);
        long records = 0;
        for (Future<Long> lane : written) {
            records += lane.get();
        }
        lanes.shutdown();
        ledgers.forEach(JdbcLedger::stop);
        pools.forEach(HikariDataSource::close);
        return records / (each.toMillis() / 1000.0);
    }

    /** The schedule's statements with {@code watched} jobs in it, each timed as the median of repeated calls. */
    private static void schedule(String url, int watched) throws Exception {
        try (HikariDataSource pool = pool(url, "capacity-schedule")) {
            JdbcLedger ledger = new JdbcLedger(pool, "bench", "capacity-schedule", "instance", Duration.ofSeconds(60));
            ledger.start();
            JobSchedule schedule = ledger.schedule("bench", new Intervals(Duration.ofSeconds(30),
                    Duration.ofMinutes(10), Duration.ofSeconds(60)));
            Instant began = Instant.now();
            for (int j = 0; j < watched; j++) {
                schedule.watch("bench/job-" + j, "job-" + j);
            }
            System.out.printf(Locale.ROOT, "watch\t%d\t%.3f%n", watched,
                    Duration.between(began, Instant.now()).toNanos() / 1e6 / watched);
            System.out.printf(Locale.ROOT, "due-and-checked\t%d\t%.2f%n", watched, median(20, () -> {
                for (JobSchedule.Due due : schedule.due(32)) {
                    schedule.checked(due.jobKey(), "running");
                }
            }));
            System.out.printf(Locale.ROOT, "due\t%d\t%.2f%n", watched, median(20, () -> schedule.due(32)));
            Map<String, JobSchedule.Listed> listing = new HashMap<>();
            for (int j = 0; j < 10_000; j++) {
                listing.put("bench/job-" + j, new JobSchedule.Listed("running", true));
            }
            System.out.printf(Locale.ROOT, "listed\t%d\t%.2f%n", listing.size(), median(5,
                    () -> schedule.listed(listing)));
            ledger.stop();
        }
    }

    /** The median milliseconds of {@code times} runs; the first run each is left out, as a warm-up. */
    private static double median(int times, Runnable call) {
        call.run();
        List<Double> millis = new ArrayList<>();
        for (int i = 0; i < times; i++) {
            long began = System.nanoTime();
            call.run();
            millis.add((System.nanoTime() - began) / 1e6);
        }
        millis.sort(Double::compare);
        return millis.get(times / 2);
    }
}
