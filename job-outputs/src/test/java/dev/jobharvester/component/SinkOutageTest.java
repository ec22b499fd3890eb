package dev.jobharvester.component;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * One outage of the sink, however many deliveries were in flight when it came or tried it together after a cool-down,
 * cools down as one failure.
 */
class SinkOutageTest {

    private static final IOException FULL = new IOException("No space left on device");

    private static Duration coolDownLeft(SinkOutage outage) {
        String described = outage.describe();
        Instant until = Instant.parse(described.substring(described.lastIndexOf(' ') + 1));
        return Duration.between(Instant.now(), until);
    }

    @Test
    void deliveriesInFlightWhenTheDiskFilledOpenOneCoolDownAndTriesFailingTogetherAfterItDoubleItOnce() {
        SinkOutage outage = new SinkOutage("route");
        long inFlight = outage.ticket();
        for (int lane = 0; lane < 8; lane++) {
            assertThat(outage.failedAsWhole(FULL, "No space left on device", inFlight)).isTrue();
        }
        assertThat(coolDownLeft(outage)).as("eight failures of one moment").isLessThanOrEqualTo(Duration.ofSeconds(2));
        assertThat(outage.coolingDown()).isTrue();

        await().atMost(Duration.ofSeconds(5)).until(() -> !outage.coolingDown());
        // Three jobs side by side each try a file once the cool-down is over: they fail together, one doubling.
        for (int job = 0; job < 3; job++) {
            outage.failedAsWhole(FULL, "No space left on device", outage.ticket());
        }
        assertThat(coolDownLeft(outage)).as("tries after the cool-down failed").isGreaterThan(Duration.ofSeconds(3))
                .isLessThanOrEqualTo(Duration.ofSeconds(4));

        outage.succeeded(outage.ticket());
        assertThat(outage.isOpen()).isFalse();
        assertThat(outage.failedAsWhole(new IOException("the name is taken"), "taken", outage.ticket()))
                .as("a failure of one file").isFalse();
    }
}
