package dev.jobharvester.component;

import dev.jobharvester.common.Failures;
import dev.jobharvester.download.ArchiveLimits;
import dev.jobharvester.download.DownloadPolicy;
import dev.jobharvester.download.DownloadStream;
import dev.jobharvester.provider.ProviderOptions;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.stream.Collectors;
import org.apache.camel.spi.Metadata;
import org.apache.camel.spi.UriParam;
import org.apache.camel.spi.UriParams;
import org.apache.camel.spi.UriPath;

/**
 * The options of a job-outputs endpoint; the component holds one that each endpoint starts from as a copy. Over 300
 * lines because each option carries its documentation, which the generated metadata and the README check are made
 * from; below the fields there are only getters and setters.
 */
@UriParams
public class JobOutputsConfiguration implements Cloneable {

    @UriPath(description = "The platform the jobs run on: tensorpool, pixxel, archetype or chutes, or one declared in"
            + " a platform file (openai-batch and replicate ship with the component).")
    @Metadata(required = true)
    private String provider;
    @UriParam(description = "The platform's API base URL; the default is the platform's public API. Point it at the"
                            + " simulator to try a pipeline without a platform account.")
    private String apiUrl;
    @UriParam(label = "security", secret = true, description = "The platform API key. It is sent to the API host only,"
                                                               + " never to the storage URLs files are fetched from.")
    private String apiKey;
    @UriParam(description = "Comma-separated ids of the jobs to harvest.")
    private String jobIds;
    @UriParam(description = "Comma-separated terminal states, in the platform's spelling, whose outputs are harvested."
                            + " The default is the success state only (TensorPool: completed); add error to also"
                            + " harvest the outputs of jobs whose code failed.")
    private String harvestStates;
    @UriParam(description = "A directory watched for files of job ids (one per line, # starts a comment): each file"
                            + " dropped there adds its jobs at the next poll and is then moved to inbox/.processed/."
                            + " Write the file elsewhere and move it in, so a half-written list is never read.")
    private String inbox;
    @UriParam(description = "Also harvest every job the platform's job list shows (Pixxel, Archetype AI; TensorPool"
                            + " and Chutes have no usable list).")
    private boolean discover;
    @UriParam(label = "discovery", description = "Discover only jobs in this state, in the platform's spelling.")
    private String discoverStatus;
    @UriParam(label = "discovery", description = "Discover only jobs created after this ISO-8601 instant, e.g."
                                                 + " 2026-11-01T00:00:00Z.")
    private String discoverCreatedAfter;
    @UriParam(label = "pixxel", description = "Pixxel: the workflow the jobs belong to (required for Pixxel).")
    private String workflowId;
    @UriParam(description = "Unpack ZIP outputs (Pixxel's job package) and deliver each entry as a file of its own,"
                            + " streaming; an entry whose name would leave the job's folder is refused. Off: the"
                            + " ZIP is delivered as it is.")
    private boolean unpackArchives;
    @UriParam(defaultValue = "10737418240", description = "Bytes all entries of one unpacked archive may expand to (10"
                                                       + " GiB); the entry that reaches it is stopped there and"
                                                       + " refused, as are the entries after it.")
    private long maxArchiveBytes = 10L << 30;
    @UriParam(defaultValue = "10000", description = "Entries one unpacked archive may hold; the ones past it are"
                                                  + " refused.")
    private int maxArchiveEntries = 10_000;
    @UriParam(defaultValue = "100", description = "How many times its compressed size an archive entry may expand to,"
                                                + " past its first MiB (a ZIP bomb expands a thousand times); an"
                                                + " entry beyond is stopped there and refused. 0: no limit.")
    private int maxEntryRatio = 100;
    @UriParam(label = "archetype", description = "Archetype AI: harvest only outputs of this port.")
    private String portName;
    @UriParam(label = "archetype", description = "Archetype AI: harvest only outputs of this input.")
    private String inputId;
    @UriParam(label = "archetype", defaultValue = "100", description = "Archetype AI: outputs asked for per page.")
    private int pageSize = 100;
    @UriParam(defaultValue = "5", description = "How many polls in a row the platform may answer a job with an error"
                                               + " (such as Chutes' 500 on some failed jobs) before the job is given up"
                                               + " and reported; 0 never gives up. Connection failures do not count.")
    private int maxJobErrors = 5;
    @UriParam(defaultValue = "3", description = "How often an API call is sent again after a connection failure, a 429"
                                               + " or a 5xx, waiting as Retry-After says or with exponential backoff"
                                               + " and jitter. Other 4xx answers are reported at once.")
    private int apiRetries = 3;
    @UriParam(defaultValue = "5", description = "How often a transfer that breaks midway is resumed (with a Range"
                                               + " request from the byte reached) before the file fails for this poll.")
    private int maxResumes = 5;
    @UriParam(defaultValue = "5", description = "How many polls in a row a file's download may fail before the file is"
                                               + " parked: kept aside with its last error (JMX ParkedFiles) while the"
                                               + " rest of the job goes on, until the JMX operation retryParkedFiles."
                                               + " Failures of the sink (such as a wrong S3 key) do not count.")
    private int maxFileAttempts = 5;
    @UriParam(label = "security", description = "Comma-separated hosts files may be fetched from, besides the"
                                                + " platform's API host and its known storage hosts (*.amazonaws.com"
                                                + " and the like); *.example.com takes any subdomain. A host on a"
                                                + " loopback, private, link-local or metadata address is allowed only"
                                                + " when listed exactly.")
    private String allowedHosts;
    @UriParam(label = "security", description = "Also fetch over plain http (only https by default).")
    private boolean allowHttp;
    @UriParam(defaultValue = "data", description = "Where the ledger of delivered files is kept.")
    private String dataDir = "data";
    @UriParam(description = "The ledger's name: its file is dataDir/ledger/{ledgerName}.jsonl. Defaults to the route id,"
                            + " so two routes never share one by accident; keep it when renaming a route.")
    private String ledgerName;
    @UriParam(label = "advanced", defaultValue = "10000", description = "Milliseconds to wait for a TCP connection.")
    private long connectTimeout = 10_000;
    @UriParam(label = "advanced", defaultValue = "60000",
              description = "Milliseconds a read may wait for the next bytes before the connection counts as dead.")
    private long readTimeout = 60_000;
    @UriParam(defaultValue = "8", description = "How many files of a job's page are downloaded and delivered at the"
                                               + " same time; 1 delivers them one after the other.")
    private int concurrentDownloads = 8;
    @UriParam(defaultValue = "60000", description = "Milliseconds between two looks at a job harvested in a state its"
                                                  + " platform can take it back from (Archetype AI's FAILED, when"
                                                  + " harvested): it is watched for a next run at this pace, not at"
                                                  + " every poll.")
    private long watchDelay = 60_000;
    @UriParam(defaultValue = "600000", description = "The longest milliseconds between two looks at a job whose state"
            + " does not change: the pause after each answer that repeats the last state doubles, from the poll delay up"
            + " to this, and starts over when the state changes. Where the platform lists its jobs with their states"
            + " (Archetype AI, Pixxel), one listing per poll answers for every job that still waits.")
    private long maxCheckInterval = 600_000;
    @UriParam(defaultValue = "4", description = "How many jobs of the pipeline are harvested at the same time, each"
                                               + " with its own concurrentDownloads: a job whose files stall holds"
                                               + " back no other.")
    private int concurrentJobs = 4;
    @UriParam(label = "advanced", defaultValue = "1", description = "Byte ranges of one file fetched side by side, for"
            + " storage that caps what one connection carries (as aria2 -x or rclone --multi-thread-streams); 1 fetches"
            + " a file over one connection. The ranges in flight and the one being written are held in memory:"
            + " (segments + 1) x segmentSize bytes.")
    private int segments = 1;
    @UriParam(label = "advanced", defaultValue = "4194304", description = "Bytes per range of a segmented download;"
            + " a file no larger than one range is fetched over one connection.")
    private int segmentSize = 4 << 20;
    @UriParam(defaultValue = "30000", description = "Milliseconds between two progress lines of a long download.")
    private long progressInterval = 30_000;

    /** A copy to set one endpoint's own options on (every field is a value). */
    public JobOutputsConfiguration copy() {
        try {
            return (JobOutputsConfiguration) super.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The configured ids, trimmed, without blanks or repeats. */
    public Set<String> jobIdSet() {
        return split(jobIds);
    }

    /** The configured allowed hosts, trimmed. */
    public Set<String> allowedHostSet() {
        return split(allowedHosts);
    }

    /** The configured harvest states as written, or empty for the provider's default. */
    public Set<String> harvestStateSet() {
        return split(harvestStates);
    }

    private static Set<String> split(String list) {
        if (list == null || list.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(list.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    public String getInbox() {
        return inbox;
    }

    public void setInbox(String inbox) {
        this.inbox = inbox;
    }

    public boolean isDiscover() {
        return discover;
    }

    public void setDiscover(boolean discover) {
        this.discover = discover;
    }

    public String getDiscoverStatus() {
        return discoverStatus;
    }

    public void setDiscoverStatus(String discoverStatus) {
        this.discoverStatus = discoverStatus;
    }

    public String getDiscoverCreatedAfter() {
        return discoverCreatedAfter;
    }

    public void setDiscoverCreatedAfter(String discoverCreatedAfter) {
        this.discoverCreatedAfter = discoverCreatedAfter;
    }

    /** What the platform's adapter reads. */
    public ProviderOptions providerOptions() {
        return new ProviderOptions(provider, apiUrl, apiKey, apiRetries, workflowId, pageSize, portName, inputId);
    }

    public String getWorkflowId() {
        return workflowId;
    }

    public void setWorkflowId(String workflowId) {
        this.workflowId = workflowId;
    }

    public boolean isUnpackArchives() {
        return unpackArchives;
    }

    public void setUnpackArchives(boolean unpackArchives) {
        this.unpackArchives = unpackArchives;
    }

    public long getMaxArchiveBytes() {
        return maxArchiveBytes;
    }

    public void setMaxArchiveBytes(long maxArchiveBytes) {
        this.maxArchiveBytes = maxArchiveBytes;
    }

    public int getMaxArchiveEntries() {
        return maxArchiveEntries;
    }

    public void setMaxArchiveEntries(int maxArchiveEntries) {
        this.maxArchiveEntries = maxArchiveEntries;
    }

    public int getMaxEntryRatio() {
        return maxEntryRatio;
    }

    public void setMaxEntryRatio(int maxEntryRatio) {
        this.maxEntryRatio = maxEntryRatio;
    }

    public ArchiveLimits archiveLimits() {
        return new ArchiveLimits(maxArchiveBytes, maxArchiveEntries, maxEntryRatio);
    }

    public String getPortName() {
        return portName;
    }

    public void setPortName(String portName) {
        this.portName = portName;
    }

    public String getInputId() {
        return inputId;
    }

    public void setInputId(String inputId) {
        this.inputId = inputId;
    }

    public int getPageSize() {
        return pageSize;
    }

    public void setPageSize(int pageSize) {
        this.pageSize = pageSize;
    }

    public int getMaxJobErrors() {
        return maxJobErrors;
    }

    public void setMaxJobErrors(int maxJobErrors) {
        this.maxJobErrors = maxJobErrors;
    }

    public String getAllowedHosts() {
        return allowedHosts;
    }

    public void setAllowedHosts(String allowedHosts) {
        this.allowedHosts = allowedHosts;
    }

    public boolean isAllowHttp() {
        return allowHttp;
    }

    public void setAllowHttp(boolean allowHttp) {
        this.allowHttp = allowHttp;
    }

    public int getMaxFileAttempts() {
        return maxFileAttempts;
    }

    public void setMaxFileAttempts(int maxFileAttempts) {
        this.maxFileAttempts = maxFileAttempts;
    }

    public int getApiRetries() {
        return apiRetries;
    }

    public void setApiRetries(int apiRetries) {
        this.apiRetries = apiRetries;
    }

    public int getMaxResumes() {
        return maxResumes;
    }

    public void setMaxResumes(int maxResumes) {
        this.maxResumes = maxResumes;
    }

    public String getProvider() {
        return provider;
    }

    public void setProvider(String provider) {
        this.provider = provider;
    }

    public String getApiUrl() {
        return apiUrl;
    }

    public void setApiUrl(String apiUrl) {
        this.apiUrl = apiUrl;
    }

    public String getApiKey() {
        return apiKey;
    }

    public void setApiKey(String apiKey) {
        this.apiKey = apiKey;
    }

    public String getJobIds() {
        return jobIds;
    }

    public void setJobIds(String jobIds) {
        this.jobIds = jobIds;
    }

    public String getHarvestStates() {
        return harvestStates;
    }

    public void setHarvestStates(String harvestStates) {
        this.harvestStates = harvestStates;
    }

    public String getDataDir() {
        return dataDir;
    }

    public void setDataDir(String dataDir) {
        this.dataDir = dataDir;
    }

    public String getLedgerName() {
        return ledgerName;
    }

    public void setLedgerName(String ledgerName) {
        this.ledgerName = ledgerName;
    }

    public long getConnectTimeout() {
        return connectTimeout;
    }

    public void setConnectTimeout(long connectTimeout) {
        this.connectTimeout = connectTimeout;
    }

    public long getReadTimeout() {
        return readTimeout;
    }

    public void setReadTimeout(long readTimeout) {
        this.readTimeout = readTimeout;
    }

    public long getProgressInterval() {
        return progressInterval;
    }

    public void setProgressInterval(long progressInterval) {
        this.progressInterval = progressInterval;
    }

    public long getWatchDelay() {
        return watchDelay;
    }

    public void setWatchDelay(long watchDelay) {
        this.watchDelay = watchDelay;
    }

    public long getMaxCheckInterval() {
        return maxCheckInterval;
    }

    public void setMaxCheckInterval(long maxCheckInterval) {
        this.maxCheckInterval = maxCheckInterval;
    }

    public int getConcurrentJobs() {
        return concurrentJobs;
    }

    public void setConcurrentJobs(int concurrentJobs) {
        this.concurrentJobs = concurrentJobs;
    }

    public int getConcurrentDownloads() {
        return concurrentDownloads;
    }

    public void setConcurrentDownloads(int concurrentDownloads) {
        this.concurrentDownloads = concurrentDownloads;
    }

    public int getSegments() {
        return segments;
    }

    public void setSegments(int segments) {
        this.segments = segments;
    }

    public int getSegmentSize() {
        return segmentSize;
    }

    public void setSegmentSize(int segmentSize) {
        this.segmentSize = segmentSize;
    }

    /** How each download of this endpoint behaves. */
    public DownloadStream.Options downloadOptions(ExecutorService workers, DownloadPolicy policy) {
        return new DownloadStream.Options(maxResumes, Duration.ofMillis(progressInterval), segments, segmentSize,
                workers, policy);
    }
}
