package dev.jobharvester.component;

import dev.jobharvester.provider.JobProvider;
import dev.jobharvester.provider.Providers;
import java.util.Set;
import java.util.TreeSet;
import org.apache.camel.Category;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
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
    private JobProvider provider;
    private Set<String> harvestStates;

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
        if (!configuration.jobIdSet().isEmpty() && (configuration.getApiKey() == null || configuration.getApiKey().isBlank())) {
            throw new IllegalArgumentException("job-outputs:" + configuration.getProvider()
                    + ": apiKey is empty; set it (from the environment, e.g. {{env:TENSORPOOL_KEY}})");
        }
        provider = Providers.create(configuration.getProvider(), configuration.getApiUrl(), configuration.getApiKey(),
                getComponent().httpClient(configuration));
        harvestStates = new TreeSet<>();
        Set<String> unknown = new TreeSet<>();
        Set<String> configured = configuration.harvestStateSet();
        for (String state : configured.isEmpty() ? provider.defaultHarvestStates() : configured) {
            // Users may write a state in any case; the platform's own spelling is what its API answers.
            provider.terminalStates().stream().filter(state::equalsIgnoreCase).findFirst()
                    .ifPresentOrElse(harvestStates::add, () -> unknown.add(state));
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("job-outputs:" + provider.name() + ": harvestStates " + unknown
                    + " are not terminal states of " + provider.name() + " (" + new TreeSet<>(provider.terminalStates())
                    + ")");
        }
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
