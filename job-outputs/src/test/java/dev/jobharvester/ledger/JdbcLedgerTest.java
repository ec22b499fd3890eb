package dev.jobharvester.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/** The shared ledger against a real PostgreSQL: records, claims, and the fence on records of a lost lease. */
class JdbcLedgerTest {

    private static final String JOB = "tensorpool/j1";
    private PostgresDatabase database;
    private final List<JdbcLedger> ledgers = new ArrayList<>();

    @BeforeEach
    void createDatabase() throws Exception {
        database = PostgresDatabase.create();
    }

    @AfterEach
    void dropDatabase() throws Exception {
        ledgers.forEach(JdbcLedger::stop);
        if (database != null) {
            database.close();
        }
    }

    /** One instance's ledger: each call is another instance sharing the database. */
    private JdbcLedger instance(String name, Duration leaseTime) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(database.url());
        JdbcLedger ledger = new JdbcLedger(dataSource, "test", "route", name, leaseTime);
        ledger.start();
        ledgers.add(ledger);
        return ledger;
    }

    private static DeliveredFile file(String path, long size) {
        return new DeliveredFile(JOB, path, DeliveredFile.Kind.FILE, size, "ab".repeat(32), path, null,
                Instant.parse("2026-11-23T10:00:00Z"));
    }

    private static List<DeliveredFile> files(Ledger ledger) {
        List<DeliveredFile> files = new ArrayList<>();
        ledger.forEachFile(JOB, DeliveredFile.Kind.FILE, files::add);
        return files;
    }

    @Test
    void recordsAreSharedAndAJobIsHeldByOneInstanceAtATime() {
        JdbcLedger a = instance("a", Duration.ofSeconds(30));
        JdbcLedger b = instance("b", Duration.ofSeconds(30));
        Lease lease = a.claim(JOB).orElseThrow();
        assertThat(b.claim(JOB)).as("while a holds it").isEmpty();
        a.delivered(file("z.bin", 2));
        a.delivered(file("a/b.txt", 1));
        assertThat(b.isDelivered(JOB, "a/b.txt")).isTrue();
        assertThat(b.isDelivered(JOB, "c.txt")).isFalse();
        assertThat(files(b)).containsExactly(file("a/b.txt", 1), file("z.bin", 2));
        assertThat(b.countFiles(JOB, DeliveredFile.Kind.FILE)).isEqualTo(2);
        assertThat(b.fileTotals(JOB)).isEqualTo(new FileTotals(2, 3, file("z.bin", 2).deliveredAt(),
                file("z.bin", 2).deliveredAt())).isEqualTo(RecordedTotals.of(b, JOB));

        lease.release();
        Lease taken = b.claim(JOB).orElseThrow();
        b.delivered(new DeliveredFile(JOB, "c.txt", DeliveredFile.Kind.PARKED, -1, null, "c.txt", "storage answered 500",
                Instant.now()));
        assertThat(a.recorded(JOB, List.of("c.txt", "z.bin"))).containsEntry("c.txt", DeliveredFile.Kind.PARKED)
                .containsEntry("z.bin", DeliveredFile.Kind.FILE);
        assertThat(a.forgetFile(JOB, "c.txt")).isTrue();
        b.jobComplete(JOB, new Ledger.Completion("FAILED", 2));
        assertThat(a.isJobComplete(JOB)).isTrue();
        assertThat(a.completion(JOB)).as("the state and run harvested").contains(new Ledger.Completion("FAILED", 2));
        assertThat(a.isDelivered(JOB, "anything")).as("a complete job answers for all its files").isTrue();
        assertThat(files(a)).as("records of a complete job are dropped").isEmpty();
        assertThat(a.fileTotals(JOB)).isEqualTo(FileTotals.NONE);
        taken.release();
        assertThat(a.forgetJob(JOB)).isTrue();
        assertThat(b.isJobComplete(JOB)).isFalse();
    }

    @Test
    void anInstanceThatOutlivedItsLeaseCanRecordNothingOnceAnotherTookTheJob() {
        JdbcLedger slow = instance("slow", Duration.ofMillis(1_500));
        JdbcLedger other = instance("other", Duration.ofSeconds(30));
        Lease stale = slow.claim(JOB).orElseThrow();
        slow.delivered(file("first.bin", 1));
        await().atMost(Duration.ofSeconds(10)).until(() -> other.claim(JOB).isPresent());

        assertThat(stale.held()).as("judged on the local clock").isFalse();
        assertThat(stale.renew()).isFalse();
        assertThatThrownBy(() -> slow.delivered(file("second.bin", 2))).isInstanceOf(LeaseLostException.class)
                .hasMessageContaining("lost its lease");
        assertThatThrownBy(() -> slow.jobComplete(JOB, new Ledger.Completion("completed", 1))).isInstanceOf(LeaseLostException.class);
        assertThat(other.isDelivered(JOB, "second.bin")).isFalse();
        assertThat(other.isJobComplete(JOB)).isFalse();
        other.delivered(file("second.bin", 2));
        assertThat(files(other)).extracting(DeliveredFile::path).containsExactly("first.bin", "second.bin");
    }

    @Test
    void aLeaseRenewedInTimeKeepsTheJobAndOneReleasedIsTakenAtOnce() throws InterruptedException {
        JdbcLedger a = instance("a", Duration.ofMillis(1_500));
        JdbcLedger b = instance("b", Duration.ofMillis(1_500));
        Lease lease = a.claim(JOB).orElseThrow();
        long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < until) {
            assertThat(lease.renew()).isTrue();
            assertThat(b.claim(JOB)).isEmpty();
            TimeUnit.MILLISECONDS.sleep(300); // time passing is the point here: renewals every fifth of the lease
        }
        lease.release();
        assertThat(lease.held()).isTrue(); // the local view; the database no longer counts it
        Optional<Lease> taken = b.claim(JOB);
        assertThat(taken).isPresent();
        assertThatThrownBy(() -> a.delivered(file("late.bin", 1))).isInstanceOf(LeaseLostException.class);
    }

    /** Its hand-back lost (the database was away), an instance takes its own job again without waiting for the lease. */
    @Test
    void anInstanceTakesItsOwnUnreleasedJobAgainAtOnceUnderANewFence() {
        JdbcLedger a = instance("a", Duration.ofSeconds(30));
        JdbcLedger b = instance("b", Duration.ofSeconds(30));
        Lease unreleased = a.claim(JOB).orElseThrow();
        Lease again = a.claim(JOB).orElseThrow();
        assertThat(b.claim(JOB)).as("still a's").isEmpty();
        a.delivered(file("now.bin", 1));
        assertThat(again.held()).isTrue();
        unreleased.release();
        assertThat(b.claim(JOB)).as("the stale hand-back released nothing").isEmpty();
        again.release();
        assertThat(b.claim(JOB)).isPresent();
    }

    /**
     * A server restart ends every session: the pool hands out a connection whose session is gone, the statement fails,
     * the pool closes the connection, and the rollback then fails with a message that has no SQL state. The record of
     * a file already in the sink is kept locally all the same, and written once the database answers.
     */
    @Test
    void aRecordWhoseSessionTheServerEndedIsKeptAndWrittenLater(@TempDir Path dir) throws Exception {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.url());
        config.setMaximumPoolSize(1);
        try (HikariDataSource pool = new HikariDataSource(config)) {
            JdbcLedger ledger = new JdbcLedger(pool, "test", "route", "a", Duration.ofSeconds(30),
                    dir.resolve("route.a.pending.jsonl"));
            ledger.start();
            ledgers.add(ledger);
            ledger.claim(JOB).orElseThrow();
            ledger.delivered(file("before.bin", 1));
            assertThat(database.rows("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname ="
                    + " current_database() AND pid <> pg_backend_pid()")).containsExactly("t");

            ledger.delivered(file("during.bin", 2));
            assertThat(ledger.writeFailure()).as("told as the database being away").contains("could not be reached");
            assertThat(Files.readString(dir.resolve("route.a.pending.jsonl"))).contains("during.bin");

            assertThat(ledger.retryWrites()).isTrue();
            assertThat(files(ledger)).extracting(DeliveredFile::path).containsExactly("before.bin", "during.bin");
        }
    }

    @Test
    void aLedgerStartedWhileTheDatabaseIsDownSaysSoAndWorksOnceItAnswers() {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL("jdbc:postgresql://127.0.0.1:1/nowhere?user=postgres&connectTimeout=2");
        JdbcLedger ledger = new JdbcLedger(dataSource, "127.0.0.1:1/nowhere", "route", "a", Duration.ofSeconds(30));
        ledger.start();
        ledgers.add(ledger);
        assertThatThrownBy(() -> ledger.isJobComplete(JOB)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the ledger route in 127.0.0.1:1/nowhere could not prepare its tables");
        dataSource.setURL(database.url());
        assertThat(ledger.isJobComplete(JOB)).isFalse();
        assertThat(ledger.claim(JOB)).isPresent();
    }

    @Test
    void instancesStartingTogetherMigrateTheSchemaOnce() throws Exception {
        List<JdbcLedger> three = List.of(instance("i0", Duration.ofSeconds(30)), instance("i1", Duration.ofSeconds(30)),
                instance("i2", Duration.ofSeconds(30)));
        // The tables are made at each instance's first use: all three at once.
        three.parallelStream().forEach(ledger -> assertThat(ledger.isJobComplete(JOB)).isFalse());
        assertThat(database.rows("SELECT version FROM harvest_schema ORDER BY version")).containsExactly("1", "2", "3");
    }
}
