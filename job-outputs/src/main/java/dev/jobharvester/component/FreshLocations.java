package dev.jobharvester.component;

import dev.jobharvester.common.OutputFile;
import dev.jobharvester.component.TrackedJob.Relisting;
import dev.jobharvester.download.DownloadPolicy;
import dev.jobharvester.download.Redact;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.OutputPage;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Fresh locations for files whose presigned URLs expired, from their page listed again. One listing at a time per
 * job, and a listing younger than {@link #REUSE} serves every file of its page, so many files expiring together cost
 * one; but not a listing whose location for the file has expired too (past its expiry or about to be, or the very one
 * that failed): URLs may live a second. A fresh location is held to the allowed hosts like the first.
 */
final class FreshLocations {

    private static final Duration REUSE = Duration.ofSeconds(10);
    /**
     * The life a reused location must have left: its expiry is checked again as its request starts, and one handed
     * out a moment before it expired failed there (a CI run, URLs living one second: the file was given up).
     */
    private static final Duration LIFE_LEFT = Duration.ofMillis(500);

    private final JobProvider provider;
    private final DownloadPolicy policy;

    FreshLocations(JobProvider provider, DownloadPolicy policy) {
        this.provider = provider;
        this.policy = policy;
    }

    /** The file with a fresh location, or empty when its page no longer lists it. */
    Optional<OutputFile> of(TrackedJob job, OutputFile stale) throws IOException {
        Optional<OutputFile> fresh = relisted(job, stale);
        String refusal = fresh.map(f -> policy.refusal(f.origin())).orElse(null);
        if (refusal != null) {
            throw new IOException(job.jobKey + "/" + stale.path() + ": refused to fetch "
                    + Redact.url(fresh.get().location()) + ": " + refusal);
        }
        return fresh;
    }

    private Optional<OutputFile> relisted(TrackedJob job, OutputFile stale) throws IOException {
        synchronized (job) {
            Relisting last = job.relisting;
            if (last == null || !Objects.equals(last.page(), stale.page())
                    || last.at().plus(REUSE).isBefore(Instant.now()) || !stillFresh(last, stale)) {
                Map<String, OutputFile> files = new HashMap<>();
                provider.outputs(job.jobId, stale.page()).map(OutputPage::files).orElse(List.of())
                        .forEach(file -> files.putIfAbsent(file.path(), file));
                last = new Relisting(stale.page(), Instant.now(), files);
                job.relisting = last;
            }
            return Optional.ofNullable(last.files().get(stale.path()));
        }
    }

    /** Whether the listing's location for the file is neither the one that failed nor about to expire. */
    private static boolean stillFresh(Relisting listing, OutputFile stale) {
        OutputFile listed = listing.files().get(stale.path());
        return listed == null || !listed.url().equals(stale.url())
                && (listed.expiresAt() == null || Instant.now().plus(LIFE_LEFT).isBefore(listed.expiresAt()));
    }
}
