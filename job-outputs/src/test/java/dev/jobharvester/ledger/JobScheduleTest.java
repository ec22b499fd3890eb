package dev.jobharvester.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The rules every job schedule keeps, the one in memory and the one shared through PostgreSQL alike: a due job is
 * handed out once, a job whose state does not change is asked less and less often (and at the poll's pace again once
 * it changes), a listing wakes the changed jobs and spares the waiting ones (once they were asked on their own), a pipeline-wide task has one turn per
 * interval. The times are lower bounds only: a job is never handed out early; when it comes is awaited.
 */
class JobScheduleTest {

    private static final Intervals INTERVALS = new Intervals(Duration.ofMillis(200), Duration.ofMillis(1_600),
            Duration.ofSeconds(30));
    private static final String JOB = "tensorpool/j1";

    private static PostgresDatabase database;
    private static final List<JdbcLedger> LEDGERS = new ArrayList<>();

    @AfterEach
    void dropDatabase() throws Exception {
        LEDGERS.forEach(JdbcLedger::stop);
        LEDGERS.clear();
        if (database != null) {
            database.close();
            database = null;
        }
    }

    /** Makes the schedules of instances that share one: each call is another instance. */
    interface Shared extends Supplier<JobSchedule> {
    }

    static Stream<Shared> schedules() {
        LocalJobSchedule local = new LocalJobSchedule(INTERVALS);
        Shared inMemory = () -> local;
        Shared postgres = () -> {
            try {
                if (database == null) {
                    database = PostgresDatabase.create();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            PGSimpleDataSource dataSource = new PGSimpleDataSource();
            dataSource.setURL(database.url());
            JdbcLedger ledger = new JdbcLedger(dataSource, "test", "route", "instance-" + LEDGERS.size(),
                    Duration.ofSeconds(30));
            ledger.start();
            LEDGERS.add(ledger);
            return ledger.schedule("tensorpool", INTERVALS);
        };
        return Stream.of(inMemory, postgres);
    }

    /** Awaits the job's next hand-out; answers how long after {@code since} (System.nanoTime) it came. */
    private static Duration nextHandOut(JobSchedule schedule, long since) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> !schedule.due(10).isEmpty());
        return Duration.ofNanos(System.nanoTime() - since);
    }

    @ParameterizedTest
    @MethodSource("schedules")
    void aDueJobIsHandedOutOnceAndNotAgainUntilItIsRescheduled(Shared instances) {
        JobSchedule a = instances.get();
        JobSchedule b = instances.get();
        a.watch(JOB, "j1");
        a.watch(JOB, "j1-again");
        assertThat(a.watched()).isEqualTo(1);
        assertThat(a.due(10)).containsExactly(new JobSchedule.Due(JOB, "j1"));
        assertThat(b.due(10)).as("handed to a already").isEmpty();
        assertThat(a.due(10)).isEmpty();
        a.again(JOB, Duration.ZERO);
        assertThat(b.due(10)).containsExactly(new JobSchedule.Due(JOB, "j1"));
        b.unwatch(JOB);
        assertThat(a.watched()).isZero();
    }

    @ParameterizedTest
    @MethodSource("schedules")
    void aJobWhoseStateDoesNotChangeBacksOffToTheLongestIntervalAndStartsOverWhenItChanges(Shared instances) {
        JobSchedule schedule = instances.get();
        schedule.watch(JOB, "j1");
        assertThat(schedule.due(10)).hasSize(1);
        long[] expected = {200, 400, 800, 1_600};
        for (long millis : expected) {
            long asked = System.nanoTime();
            schedule.checked(JOB, "running");
            assertThat(schedule.due(10)).as("just asked").isEmpty();
            assertThat(nextHandOut(schedule, asked)).as("after %d ms", millis)
                    .isGreaterThanOrEqualTo(Duration.ofMillis(millis));
        }
        long asked = System.nanoTime();
        schedule.checked(JOB, null);
        assertThat(nextHandOut(schedule, asked)).as("no answer counts as unchanged")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1_600));
        asked = System.nanoTime();
        schedule.checked(JOB, "completed");
        Duration changed = nextHandOut(schedule, asked);
        assertThat(changed).as("changed: the poll's pace again").isGreaterThanOrEqualTo(Duration.ofMillis(200))
                .isLessThan(Duration.ofMillis(1_600));
    }

    @ParameterizedTest
    @MethodSource("schedules")
    void aListingWakesTheJobsWhoseStateChangedAndSparesTheOnesStillWaiting(Shared instances) {
        JobSchedule schedule = instances.get();
        String waiting = "tensorpool/j2";
        String fresh = "tensorpool/j3";
        String freshEnded = "tensorpool/j4";
        schedule.watch(JOB, "j1");
        schedule.watch(waiting, "j2");
        assertThat(schedule.due(10)).hasSize(2);
        schedule.checked(JOB, "running");
        schedule.checked(waiting, "running");
        schedule.watch(fresh, "j3");
        schedule.watch(freshEnded, "j4");
        long listed = System.nanoTime();
        schedule.listed(Map.of(JOB, new JobSchedule.Listed("completed", false),
                waiting, new JobSchedule.Listed("running", true),
                fresh, new JobSchedule.Listed("running", true),
                freshEnded, new JobSchedule.Listed("completed", false),
                "tensorpool/unwatched", new JobSchedule.Listed("running", true)));
        assertThat(schedule.due(10)).as("changed; and ended before it was asked on its own")
                .containsExactlyInAnyOrder(new JobSchedule.Due(JOB, "j1"), new JobSchedule.Due(freshEnded, "j4"));
        assertThat(nextHandOut(schedule, listed)).as("still waiting: spared until the longest interval")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1_600));
        assertThat(schedule.watched()).isEqualTo(4);
        schedule.checked(waiting, "running");
        schedule.checked(fresh, "running");
        schedule.listed(Map.of(fresh, new JobSchedule.Listed("completed", false)));
        assertThat(schedule.due(10)).as("the listed state was its first answer").containsExactly(
                new JobSchedule.Due(fresh, "j3"));
    }

    @ParameterizedTest
    @MethodSource("schedules")
    void aPipelineWideTaskHasOneTurnPerInterval(Shared instances) {
        JobSchedule a = instances.get();
        JobSchedule b = instances.get();
        long first = System.nanoTime();
        assertThat(a.turn("discover", Duration.ofMillis(500))).isTrue();
        assertThat(b.turn("discover", Duration.ofMillis(500))).isFalse();
        assertThat(a.turn("list-states", Duration.ofMillis(500))).as("another task").isTrue();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                .until(() -> b.turn("discover", Duration.ofMillis(500)));
        assertThat(Duration.ofNanos(System.nanoTime() - first)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        assertThat(a.turn("discover", Duration.ofMillis(500))).isFalse();
    }

    @Test
    void instancesAskingAtOnceAreHandedDifferentJobs() throws Exception {
        Shared postgres = schedules().skip(1).findFirst().orElseThrow();
        List<JobSchedule> instances = List.of(postgres.get(), postgres.get(), postgres.get());
        for (int j = 0; j < 60; j++) {
            instances.get(0).watch("tensorpool/j" + j, "j" + j);
        }
        List<JobSchedule.Due> handed = instances.parallelStream().flatMap(s -> Stream.of(s.due(25), s.due(25)))
                .flatMap(List::stream).toList();
        assertThat(handed).hasSize(60).doesNotHaveDuplicates();
    }
}
