package dev.jobharvester.component;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobharvester.component.TrackedJob.Verdict;
import dev.jobharvester.provider.JobState;
import dev.jobharvester.provider.JobStatus;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The life of a tracked job, without Camel or a platform. */
class TrackedJobTest {

    private static final Set<String> HARVESTED = Set.of("COMPLETED");
    private static final Set<String> REVERSIBLE = Set.of("FAILED");

    private final TrackedJob job = new TrackedJob("j1", "archetype/j1");

    private Verdict seen(JobState state, String name) {
        return job.seen(new JobStatus(state, name), HARVESTED, REVERSIBLE);
    }

    @Test
    void waitsUntilAHarvestedStateThenHarvests() {
        assertThat(job.phase()).isEqualTo(JobPhase.WAITING);
        assertThat(job.needsStatus()).isTrue();
        assertThat(seen(JobState.RUNNING, "RUNNING")).isEqualTo(Verdict.WAIT);
        assertThat(job.phase()).isEqualTo(JobPhase.WAITING);
        assertThat(seen(JobState.SUCCEEDED, "COMPLETED")).isEqualTo(Verdict.HARVEST);
        assertThat(job.phase()).isEqualTo(JobPhase.HARVESTING);
        assertThat(job.needsStatus()).isFalse();
        assertThat(job.terminal().providerState()).isEqualTo("COMPLETED");
        job.harvested();
        assertThat(job.phase().isFinished()).isTrue();
    }

    @Test
    void aReversibleEndStaysWatchedAndAnotherEndIsNotHarvested() {
        assertThat(seen(JobState.FAILED, "FAILED")).isEqualTo(Verdict.WATCH);
        assertThat(job.phase()).isEqualTo(JobPhase.WAITING);
        assertThat(seen(JobState.RUNNING, "PENDING")).isEqualTo(Verdict.WAIT);
        assertThat(seen(JobState.CANCELED, "CANCELLED")).isEqualTo(Verdict.NOT_HARVESTED);
        assertThat(job.phase()).isEqualTo(JobPhase.NOT_HARVESTED);
        assertThat(job.phase().isFinished()).isTrue();
    }

    @Test
    void aStateChangeIsToldOnceTheFirstAnswerIncluded() {
        JobStatus running = new JobStatus(JobState.RUNNING, "RUNNING");
        assertThat(job.stateChanged(running)).isTrue();
        job.seen(running, HARVESTED, REVERSIBLE);
        assertThat(job.stateChanged(running)).isFalse();
        assertThat(job.lastState()).isEqualTo("RUNNING");
    }

    @Test
    void errorsInARowGiveTheJobUpAndAnAnswerBetweenThemStartsTheCountAgain() {
        assertThat(job.errorAnswered(3)).isFalse();
        assertThat(job.errorAnswered(3)).isFalse();
        seen(JobState.RUNNING, "RUNNING");
        assertThat(job.errorsInARow()).isZero();
        assertThat(job.errorAnswered(3)).isFalse();
        assertThat(job.errorAnswered(3)).isFalse();
        assertThat(job.errorAnswered(3)).isTrue();
        assertThat(job.phase()).isEqualTo(JobPhase.GIVEN_UP);
    }

    @Test
    void zeroMaxErrorsNeverGivesUp() {
        for (int i = 0; i < 1_000; i++) {
            assertThat(job.errorAnswered(0)).isFalse();
        }
        assertThat(job.phase()).isEqualTo(JobPhase.WAITING);
    }

    @Test
    void parkedFilesRetriedTakeAFinishedJobUpAgainAndLeaveAWaitingOneWaiting() {
        job.retryParked();
        assertThat(job.phase()).isEqualTo(JobPhase.WAITING);
        seen(JobState.SUCCEEDED, "COMPLETED");
        job.parked();
        assertThat(job.phase()).isEqualTo(JobPhase.PARKED);
        job.retryParked();
        assertThat(job.phase()).isEqualTo(JobPhase.HARVESTING);
    }
}
