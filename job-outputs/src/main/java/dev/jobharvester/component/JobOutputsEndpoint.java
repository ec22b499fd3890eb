package dev.jobharvester.component;

import dev.jobharvester.download.DownloadPolicy;
import dev.jobharvester.provider.DiscoveryFilter;
import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.Platform;
import dev.jobharvester.provider.Providers;
import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.Route;
import org.apache.camel.spi.UriEndpoint;
import org.apache.camel.spi.UriParam;
import org.apache.camel.support.ScheduledPollEndpoint;

/**
 * Harvests the output files of finished jobs on a GPU or batch platform: one exchange per file, its body a stream
 * that downloads as the route's sink reads it, then one exchange with the job's manifest.
 */
@UriEndpoint(firstVersion = "0.1.0", scheme = "job-outputs", title = "Job Outputs", syntax = "job-outputs:provider",
             consumerOnly = true, category = { Category.CLOUD, Category.FILE }, headersClass = JobOutputsConstants.class)
public class JobOutputsEndpoint extends ScheduledPollEndpoint {

    @UriParam
    private final JobOutputsConfiguration configuration;
    private Platform platform;
    private JobProvider provider;
    private Set<String> harvestStates;
    private DiscoveryFilter discoveryFilter;
    private DownloadPolicy downloadPolicy;

    public JobOutputsEndpoint(String uri, JobOutputsComponent component, JobOutputsConfiguration configuration) {
        super(uri, component);
        this.configuration = configuration;
    }

    @Override
    public JobOutputsComponent getComponent() {
        return (JobOutputsComponent) super.getComponent();
    }

    public JobOutputsConfiguration getConfiguration() {
        return configuration;
    }

    @Override
    protected void doInit() throws Exception {
        super.doInit();
        boolean hasWork = !configuration.jobIdSet().isEmpty() || configuration.isDiscover()
                || configuration.getInbox() != null && !configuration.getInbox().isBlank();
        if (configuration.getConcurrentDownloads() < 1) {
            throw new IllegalArgumentException("job-outputs:" + configuration.getProvider() + ": concurrentDownloads must"
                    + " be at least 1, not " + configuration.getConcurrentDownloads());
        }
        if (configuration.getSegments() < 1 || configuration.getSegments() > 1 && configuration.getSegmentSize() < 65_536) {
            throw new IllegalArgumentException("job-outputs:" + configuration.getProvider() + ": segments must be at"
                    + " least 1, and segmentSize at least 65536 when segments is above 1");
        }
        platform = getComponent().platform(configuration.getProvider());
        provider = Providers.create(platform, configuration.providerOptions(), getComponent().httpClient(configuration));
        if (hasWork) {
            requireCredentials();
        }
        if (configuration.isDiscover() && !provider.facts().discovery()) {
            throw new IllegalArgumentException("job-outputs:" + provider.name() + ": discover is not available: "
                    + provider.name() + " has no usable job list; name the jobs with jobIds or an inbox");
        }
        Set<String> hosts = new LinkedHashSet<>(provider.facts().storageHosts());
        hosts.add(URI.create(provider.api().baseUrl()).getHost());
        hosts.addAll(configuration.allowedHostSet());
        downloadPolicy = new DownloadPolicy(hosts, configuration.isAllowHttp());
        discoveryFilter = configuration.isDiscover() ? new DiscoveryFilter(configuration.getDiscoverStatus(),
                parseInstant("discoverCreatedAfter", configuration.getDiscoverCreatedAfter())) : null;
        harvestStates = new TreeSet<>();
        Set<String> unknown = new TreeSet<>();
        Set<String> configured = configuration.harvestStateSet();
        for (String state : configured.isEmpty() ? provider.facts().defaultHarvestStates() : configured) {
            // Users may write a state in any case; the platform's own spelling is what its API answers.
            provider.facts().terminalStates().stream().filter(state::equalsIgnoreCase).findFirst()
                    .ifPresentOrElse(harvestStates::add, () -> unknown.add(state));
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("job-outputs:" + provider.name() + ": harvestStates " + unknown
                    + " are not terminal states of " + provider.name() + " (" + provider.facts().terminalStates()
                    + ")");
        }
    }

    /**
     * The name of the route's ledger: ledgerName, else the route's id. A generated id would change between runs and
     * deliver everything again, so it is refused.
     */
    public String ledgerName(Route route) {
        if (configuration.getLedgerName() != null && !configuration.getLedgerName().isBlank()) {
            return configuration.getLedgerName();
        }
        if (route == null || !route.isCustomId()) {
            throw new IllegalArgumentException("job-outputs:" + configuration.getProvider() + ": give the route an id (or"
                    + " set ledgerName): the ledger of delivered files is kept per route id, and a generated id would"
                    + " change between runs and deliver everything again");
        }
        return route.getRouteId();
    }

    /** Fails, saying what to set, when the platform cannot be asked: no API key, or what else its API needs. */
    public void requireCredentials() {
        Providers.requireCredentials(platform, configuration.providerOptions());
    }

    private Instant parseInstant(String option, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("job-outputs:" + provider.name() + ": " + option + " '" + value
                    + "' is not an ISO-8601 instant such as 2026-11-01T00:00:00Z");
        }
    }

    /** Which locations files may be fetched from. */
    public DownloadPolicy downloadPolicy() {
        return downloadPolicy;
    }

    /** What discovery takes, or null when the route does not discover (or discovery was switched off since). */
    public DiscoveryFilter discoveryFilter() {
        return configuration.isDiscover() ? discoveryFilter : null;
    }

    public JobProvider provider() {
        return provider;
    }

    /** The terminal states, in the platform's spelling, whose outputs are harvested. */
    public Set<String> harvestStates() {
        return harvestStates;
    }

    @Override
    public Producer createProducer() {
        throw new UnsupportedOperationException("job-outputs is a source only: use it in from(), not to()");
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        JobOutputsConsumer consumer = new JobOutputsConsumer(this, processor);
        configureConsumer(consumer);
        return consumer;
    }
}
