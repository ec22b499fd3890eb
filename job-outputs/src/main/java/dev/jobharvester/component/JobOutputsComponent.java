package dev.jobharvester.component;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.jobharvester.common.SinkNames;
import dev.jobharvester.download.HttpClients;
import dev.jobharvester.ledger.FileLedger;
import dev.jobharvester.ledger.JdbcLedger;
import dev.jobharvester.ledger.JdbcUrls;
import dev.jobharvester.ledger.Ledger;
import dev.jobharvester.provider.Platform;
import dev.jobharvester.provider.Providers;
import dev.jobharvester.provider.declared.DeclaredPlatform;
import dev.jobharvester.provider.declared.DeclaredPlatforms;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.camel.Endpoint;
import org.apache.camel.spi.Metadata;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;

/**
 * The job-outputs component. It owns what its endpoints share: HTTP connection pools (one per timeout setting), the
 * ledgers, so two routes naming the same ledger write through one instance, and the connection pool of a shared
 * PostgreSQL ledger. Its options apply to every pipeline ({@code camel.component.job-outputs.*}).
 */
@org.apache.camel.spi.annotations.Component("job-outputs")
public class JobOutputsComponent extends DefaultComponent {

    private static final String SETTINGS_PREFIX = "camel.component.job-outputs.";
    /** The platform files this artifact ships. */
    static final String DEFAULT_PLATFORMS = "classpath:platforms/*.yaml";
    private static final int MAX_CONNECTIONS = 64;
    private static final int MAX_LEDGER_CONNECTIONS = 8;
    /** How long a ledger call waits for a connection: a database that does not answer by then is reported down. */
    private static final long LEDGER_CONNECTION_TIMEOUT_MILLIS = 5_000;

    private final Map<String, CloseableHttpClient> httpClients = new HashMap<>();
    private final Map<Path, FileLedger> fileLedgers = new HashMap<>();
    private final Map<String, JdbcLedger> jdbcLedgers = new HashMap<>();
    private HikariDataSource ledgerDataSource;
    private boolean settingsChecked;
    private Map<String, DeclaredPlatform> declaredPlatforms = Map.of();

    @Metadata(description = "The endpoint options every job-outputs pipeline starts from"
            + " (camel.component.job-outputs.max-file-attempts=3 and the like); an endpoint URI sets its own over them.")
    private JobOutputsConfiguration configuration = new JobOutputsConfiguration();
    @Metadata(label = "consumer", defaultValue = "500", description = "Milliseconds between two polls of the jobs'"
            + " states, for every pipeline that does not set its own delay.")
    private long delay = 500;
    @Metadata(description = "JDBC URL of a PostgreSQL database shared by several harvester instances, e.g."
            + " jdbc:postgresql://db:5432/harvester: its ledger replaces the files under dataDir, and the instances"
            + " share the work job by job through leases. Empty: the embedded file ledger, for one instance.")
    private String ledgerUrl;
    @Metadata(description = "The PostgreSQL user of the shared ledger.")
    private String ledgerUser;
    @Metadata(label = "security", secret = true, description = "The PostgreSQL password of the shared ledger.")
    private String ledgerPassword;
    @Metadata(defaultValue = "60000", description = "Milliseconds an instance's claim on a job holds without renewal"
            + " (it renews every third of it while it works): how long a job waits when its instance dies.")
    private long leaseTime = 60_000;
    @Metadata(defaultValue = "true", description = "Whether the file ledger's records are made durable with"
            + " fdatasync, as they come and before anything is built on them (a manifest, the end of a batch): turn it"
            + " off only for a scratch disk, where a power cut may lose records and so deliver files again.")
    private boolean fsync = true;
    @Metadata(description = "This instance's name in the shared ledger, unique among the instances; the default is"
            + " pid@host.")
    private String instanceName = ManagementFactory.getRuntimeMXBean().getName();

    @Metadata(defaultValue = DEFAULT_PLATFORMS, description = "Where platform files are (platforms declared in YAML"
            + " rather than built in), comma-separated as Camel's route patterns are: classpath:platforms/*.yaml,"
            + "file:/etc/job-harvester/platforms/*.yaml. A folder that does not exist holds none.")
    private String platforms = DEFAULT_PLATFORMS;

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) throws Exception {
        checkSettings();
        NumericOptions.check("job-outputs:" + remaining, parameters);
        JobOutputsConfiguration endpointConfiguration = configuration.copy();
        endpointConfiguration.setProvider(remaining);
        JobOutputsEndpoint endpoint = new JobOutputsEndpoint(uri, this, endpointConfiguration);
        endpoint.setDelay(delay);
        setProperties(endpoint, parameters);
        return endpoint;
    }

    /**
     * The component's own options, as the settings write them, checked as the endpoints' are. At the first endpoint,
     * not at init or start: camel-main makes and starts the component before it has read the settings.
     */
    private synchronized void checkSettings() {
        if (settingsChecked) {
            return;
        }
        Map<String, Object> written = new HashMap<>();
        // Camel's ordered properties keep their entries beside the Hashtable: forEach would see none.
        Properties settings = getCamelContext().getPropertiesComponent().loadProperties();
        for (String key : settings.stringPropertyNames()) {
            if (key.startsWith(SETTINGS_PREFIX)) {
                written.put(key.substring(SETTINGS_PREFIX.length()),
                        getCamelContext().resolvePropertyPlaceholders(settings.getProperty(key)));
            }
        }
        NumericOptions.check(SETTINGS_PREFIX + "*", written);
        declaredPlatforms = DeclaredPlatforms.load(getCamelContext(), platforms);
        settingsChecked = true;
    }

    /**
     * The platform of that name: built in, or declared in one of the platform files.
     *
     * @throws IllegalArgumentException naming the platforms there are
     */
    synchronized Platform platform(String name) {
        checkSettings();
        return Providers.platform(name, declaredPlatforms);
    }

    /** The platforms declared in platform files, by name, once the first endpoint was made. */
    public synchronized Map<String, DeclaredPlatform> declaredPlatforms() {
        return declaredPlatforms;
    }

    synchronized CloseableHttpClient httpClient(JobOutputsConfiguration configuration) {
        String key = configuration.getConnectTimeout() + "/" + configuration.getReadTimeout();
        return httpClients.computeIfAbsent(key, k -> HttpClients.create(configuration.getConnectTimeout(),
                configuration.getReadTimeout(), MAX_CONNECTIONS));
    }

    /** Whether the pipelines share a PostgreSQL ledger (and their work) with other instances. */
    boolean isLedgerShared() {
        return ledgerUrl != null && !ledgerUrl.isBlank();
    }

    /**
     * The started ledger of that name: in the shared PostgreSQL database when ledgerUrl is set, else the file at
     * {@code dataDir/ledger/name.jsonl}.
     */
    synchronized Ledger ledger(String dataDir, String name) {
        Path folder = Path.of(dataDir, "ledger").toAbsolutePath().normalize();
        if (isLedgerShared()) {
            // Records written while the database is out of reach wait here, this instance's own.
            Path pending = folder.resolve(name + "." + SinkNames.segment(instanceName) + ".pending.jsonl");
            return jdbcLedgers.computeIfAbsent(name, n -> started(new JdbcLedger(ledgerDataSource(),
                    JdbcUrls.redacted(ledgerUrl), n, instanceName, Duration.ofMillis(leaseTime), pending)));
        }
        Path file = folder.resolve(name + ".jsonl");
        return fileLedgers.computeIfAbsent(file, f -> started(new FileLedger(f, fsync)));
    }

    private static <T extends Ledger> T started(T ledger) {
        ServiceHelper.startService(ledger);
        return ledger;
    }

    private HikariDataSource ledgerDataSource() {
        if (ledgerDataSource == null) {
            HikariConfig pool = new HikariConfig();
            pool.setPoolName("job-harvester-ledger");
            pool.setJdbcUrl(ledgerUrl);
            // Left unset when blank: the URL may carry them.
            if (ledgerUser != null && !ledgerUser.isBlank()) {
                pool.setUsername(ledgerUser);
            }
            if (ledgerPassword != null && !ledgerPassword.isBlank()) {
                pool.setPassword(ledgerPassword);
            }
            pool.setMaximumPoolSize(MAX_LEDGER_CONNECTIONS);
            pool.setConnectionTimeout(LEDGER_CONNECTION_TIMEOUT_MILLIS);
            // Start even while the database is down: the first use reports it, and the next poll tries again.
            pool.setInitializationFailTimeout(-1);
            ledgerDataSource = new HikariDataSource(pool);
        }
        return ledgerDataSource;
    }

    @Override
    protected synchronized void doStop() throws Exception {
        ServiceHelper.stopService(fileLedgers.values());
        fileLedgers.clear();
        ServiceHelper.stopService(jdbcLedgers.values());
        jdbcLedgers.clear();
        if (ledgerDataSource != null) {
            ledgerDataSource.close();
            ledgerDataSource = null;
        }
        for (CloseableHttpClient client : httpClients.values()) {
            client.close();
        }
        httpClients.clear();
        super.doStop();
    }

    public JobOutputsConfiguration getConfiguration() {
        return configuration;
    }

    public void setConfiguration(JobOutputsConfiguration configuration) {
        this.configuration = configuration;
    }

    public String getPlatforms() {
        return platforms;
    }

    public void setPlatforms(String platforms) {
        this.platforms = platforms;
    }

    public long getDelay() {
        return delay;
    }

    public void setDelay(long delay) {
        this.delay = delay;
    }

    public String getLedgerUrl() {
        return ledgerUrl;
    }

    public void setLedgerUrl(String ledgerUrl) {
        this.ledgerUrl = ledgerUrl;
    }

    public String getLedgerUser() {
        return ledgerUser;
    }

    public void setLedgerUser(String ledgerUser) {
        this.ledgerUser = ledgerUser;
    }

    public String getLedgerPassword() {
        return ledgerPassword;
    }

    public void setLedgerPassword(String ledgerPassword) {
        this.ledgerPassword = ledgerPassword;
    }

    public long getLeaseTime() {
        return leaseTime;
    }

    public void setLeaseTime(long leaseTime) {
        this.leaseTime = leaseTime;
    }

    public boolean isFsync() {
        return fsync;
    }

    public void setFsync(boolean fsync) {
        this.fsync = fsync;
    }

    public String getInstanceName() {
        return instanceName;
    }

    public void setInstanceName(String instanceName) {
        if (instanceName != null && !instanceName.isBlank()) {
            this.instanceName = instanceName.trim();
        }
    }
}
