package dev.jobharvester.app;

import static org.awaitility.Awaitility.await;

import dev.jobharvester.sim.ArchetypeApi;
import dev.jobharvester.sim.JobScript;
import dev.jobharvester.sim.SimFile;
import dev.jobharvester.sim.SimJob;
import dev.jobharvester.sim.Simulator;
import dev.jobharvester.sim.TensorPoolApi;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Presigned URLs that live one second: most expire before their file's turn, and a listing made again to replace
 * them is soon stale too. Every file still arrives once and whole, on a platform that says when its URLs expire
 * (Archetype AI) and on one that does not (TensorPool).
 */
class ShortLivedUrlsTest {

    private static final int FILES = 16;

    @TempDir
    Path dir;
    @AutoClose
    private final Simulator simulator = Simulator.started();

    @ParameterizedTest
    @ValueSource(strings = {TensorPoolApi.NAME, ArchetypeApi.NAME})
    void urlsThatLiveOneSecondAreHarvested(String platform) throws Exception {
        simulator.urlTtl(Duration.ofSeconds(1));
        List<SimFile> files = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
            // About half a second each, two at a time: the last ones start seconds after the listing.
            files.add(SimFile.of("out/in/f-" + i + ".bin", 200_000).throttle(400_000));
        }
        String state = platform.equals(ArchetypeApi.NAME) ? "COMPLETED" : "completed";
        SimJob job = simulator.addJob(platform, SimJob.of("job_short0000000000000001", JobScript.always(state), files));
        Map<String, String> settings = RunningHarvester.settings(simulator, dir);
        settings.put(platform + ".job-ids", job.id());
        settings.put("harvester.concurrent-downloads", "2");
        // A file may not wait for a later poll: each gets one attempt.
        settings.put("harvester.max-file-attempts", "1");
        Path output = RunningHarvester.output(dir);
        try (RunningHarvester harvester = RunningHarvester.start(settings)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Delivered.manifestPresent(platform, output, job));
        }
        Delivered.assertComplete(platform, output, job, state);
        Delivered.assertEachDownloadedOnce(simulator, platform, job);
    }
}
