package dev.jobharvester.component;

import dev.jobharvester.common.CoolDown;
import java.io.InterruptedIOException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sink's circuit. A failure of the sink as a whole (a refused login, an unknown host key, a server that cannot be
 * reached or stopped answering, a full disk) pauses the pipeline's deliveries for a cool-down that doubles up to five
 * minutes; then one file is let through to see whether the sink is back. It is told once when it opens and once when
 * it closes, and parks nothing: it is not the files' fault. Any other failure belongs to the file it happened to.
 */
final class SinkOutage {

    private static final Logger LOG = LoggerFactory.getLogger(SinkOutage.class);
    private static final Duration FIRST_COOL_DOWN = Duration.ofSeconds(2);
    private static final Duration MAX_COOL_DOWN = Duration.ofMinutes(5);

    /**
     * Failures of the sink as a whole, by the class of one cause in the chain, as data: the sinks' client libraries
     * (JSch, the AWS SDK) are not this package's to depend on.
     */
    private static final List<String> WHOLE_SINK_CLASSES = List.of("com.jcraft.jsch.JSchException",
            "software.amazon.awssdk.core.exception.SdkClientException",
            "org.apache.camel.component.file.remote.RemoteFileConnectException");
    /**
     * ...and by the words of one cause: the file system's, camel-ftp's when it cannot connect, and JSch's when the
     * session under a transfer went down (its keep-alive gave up on a server that stopped answering): in the middle of
     * a write when many writes are in flight (sftp.bulk-requests), while waiting for an answer otherwise.
     */
    private static final List<String> WHOLE_SINK_WORDS = List.of("no space left on device", "disk quota exceeded",
            "read-only file system", "input/output error", "stale file handle", "cannot connect to",
            "session is down", "inputstream is closed", "pipe closed", "channel is broken");
    /** An S3 answer's status, in the AWS SDK's message. */
    private static final Pattern SERVICE_STATUS = Pattern.compile("Status Code: (\\d{3})");

    private final String route;
    /** How often the sink failed as a whole since the start: a delivery's ticket, taken when it starts. */
    private long outages;
    private Instant since;
    private Instant until;
    private final CoolDown coolDown = new CoolDown(FIRST_COOL_DOWN, MAX_COOL_DOWN);
    private int failures;
    private String cause;

    SinkOutage(String route) {
        this.route = route;
    }

    /**
     * Takes the failure of a delivery that started with this {@link #ticket}: one of the sink as a whole opens the
     * outage, or prolongs it when the delivery was a try after a cool-down. Answers whether it was; otherwise the
     * failure belongs to the file.
     */
    boolean failedAsWhole(Throwable failure, String cause, long ticket) {
        if (!ofWholeSink(failure)) {
            return false;
        }
        failed(cause, ticket);
        return true;
    }

    /** Whether a failure says the sink as a whole fails, rather than one file's delivery. */
    private static boolean ofWholeSink(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SocketException || t instanceof UnknownHostException
                    || t instanceof InterruptedIOException || t instanceof ClosedChannelException) {
                return true;
            }
            for (Class<?> type = t.getClass(); type != null; type = type.getSuperclass()) {
                if (WHOLE_SINK_CLASSES.contains(type.getName())) {
                    return true;
                }
            }
            String message = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (WHOLE_SINK_WORDS.stream().anyMatch(message::contains)) {
                return true;
            }
            Matcher status = SERVICE_STATUS.matcher(String.valueOf(t.getMessage()));
            if (status.find()) {
                int code = Integer.parseInt(status.group(1));
                // 401/403: our credentials; 404: the bucket (a key is never missing on a put); 5xx: the store.
                return code == 401 || code == 403 || code == 404 || code >= 500;
            }
        }
        return false;
    }

    /** Whether deliveries wait now: the sink failed as a whole and its cool-down has not passed. */
    synchronized boolean coolingDown() {
        return until != null && Instant.now().isBefore(until);
    }

    /** Whether the sink failed as a whole and has not taken a delivery since: one file at a time tries it. */
    synchronized boolean isOpen() {
        return until != null;
    }

    /** Why the sink fails as a whole, and until when nothing is tried; null while it takes deliveries. */
    synchronized String describe() {
        return until == null ? null : "the sink fails as a whole since " + since + " (" + failures + " tries): "
                + cause + "; deliveries wait until " + until;
    }

    /** Taken when a delivery starts; its success closes only an outage that began before it. */
    synchronized long ticket() {
        return outages;
    }

    private synchronized void failed(String why, long ticket) {
        failures++;
        cause = why;
        if (until != null && (ticket < outages || Instant.now().isBefore(until))) {
            // Under way when the outage opened, or a try that failed while another try's failure already began the next
            // cool-down: one failure, one cool-down, not one doubling for each delivery in flight (jobs side by side
            // each try a file).
            return;
        }
        Duration wait = coolDown.take();
        if (until == null) {
            outages++;
            since = Instant.now();
            LOG.warn("{}: the sink fails as a whole: {}. Deliveries pause; tried again in {} s, then at growing"
                    + " intervals up to {} min; nothing is parked meanwhile", route, why, wait.toSeconds(),
                    coolDown.most().toMinutes());
        } else {
            LOG.debug("{}: the sink still fails ({} tries): {}", route, failures, why);
        }
        until = Instant.now().plus(wait);
    }

    /**
     * A delivery went through. One that was already under way when the sink failed proves nothing (a small file fits
     * on a disk a large one filled), so it leaves the outage open.
     */
    synchronized void succeeded(long ticket) {
        if (until != null && ticket < outages) {
            return;
        }
        if (until != null) {
            LOG.info("{}: the sink takes deliveries again, after {} failed tries since {}", route, failures, since);
        }
        until = null;
        since = null;
        cause = null;
        failures = 0;
        coolDown.reset();
    }
}
