package dev.jobharvester.component;

import dev.jobharvester.download.DownloadStream;
import dev.jobharvester.download.Progress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.util.IOHelper;

/** The downloads handed to the route and not finished yet, by ledger key. */
final class InFlightDownloads {

    private final Map<String, DownloadStream> downloads = new ConcurrentHashMap<>();
    private final HarvestStatistics statistics;

    InFlightDownloads(HarvestStatistics statistics) {
        this.statistics = statistics;
    }

    void add(String key, DownloadStream download) {
        downloads.put(key, download);
    }

    /** The route is done with it: closed, its resumes counted. */
    void release(String key, DownloadStream download) {
        IOHelper.close(download);
        statistics.retried(download.resumes());
        downloads.remove(key);
    }

    boolean anyOf(TrackedJob job) {
        String prefix = job.jobKey + "/";
        return downloads.keySet().stream().anyMatch(key -> key.startsWith(prefix));
    }

    /** Downloads that have started to fetch. */
    int running() {
        return (int) downloads.values().stream().filter(DownloadStream::isOpened).count();
    }

    /** Each running download and how far it is. */
    List<String> transfers() {
        return downloads.values().stream().filter(DownloadStream::isOpened)
                .map(d -> d.label() + ": " + Progress.bytes(d.bytesRead())
                        + (d.expectedSize() >= 0 ? " of " + Progress.bytes(d.expectedSize()) : ""))
                .sorted().toList();
    }

    /** Cuts every download, so that its exchange fails and the next start fetches it again. */
    void cutAll() {
        downloads.values().forEach(IOHelper::close);
    }
}
