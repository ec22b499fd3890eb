package dev.jobharvester.sim;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Every request the simulator answered, so tests can count downloads and check what each host was sent. */
public final class RequestLog {

    /**
     * @param host          {@code api} or {@code storage}
     * @param path          the decoded request path
     * @param authorization the Authorization header, or null
     * @param rawRequest    the request line's URI and all header values, to search for leaked secrets
     */
    public record Entry(Instant at, String host, String method, String path, String query, String authorization,
            String range, int status, String rawRequest) {
    }

    private final List<Entry> entries = new CopyOnWriteArrayList<>();

    private volatile boolean off;

    /** Stops recording: a benchmark's hundreds of thousands of requests would only cost memory and time. */
    public void off() {
        off = true;
    }

    void add(Entry entry) {
        if (off) {
            return;
        }
        entries.add(entry);
    }

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    public List<Entry> matching(Predicate<Entry> filter) {
        return entries.stream().filter(filter).toList();
    }

    /** Answers of 200 or 206 on one host for one path. */
    public long served(String host, String path) {
        return entries.stream().filter(e -> e.host().equals(host) && e.path().equals(path)
                && (e.status() == 200 || e.status() == 206)).count();
    }

    public void clear() {
        entries.clear();
    }
}
