package dev.jobharvester.ledger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The schedule of a ledger no other instance shares: in memory, every job due at start as before. */
final class LocalJobSchedule implements JobSchedule {

    private final Map<String, Entry> jobs = new ConcurrentHashMap<>();
    private final Map<String, Long> tasks = new ConcurrentHashMap<>();
    private final Intervals intervals;

    LocalJobSchedule(Intervals intervals) {
        this.intervals = intervals;
    }

    private static final class Entry {
        private final String jobId;
        private long dueNanos = System.nanoTime();
        private long intervalMillis;
        private String state;

        private Entry(String jobId, long intervalMillis) {
            this.jobId = jobId;
            this.intervalMillis = intervalMillis;
        }
    }

    @Override
    public void watch(String jobKey, String jobId) {
        jobs.putIfAbsent(jobKey, new Entry(jobId, intervals.base().toMillis()));
    }

    @Override
    public synchronized List<Due> due(int max) {
        long now = System.nanoTime();
        List<Map.Entry<String, Entry>> due = new ArrayList<>();
        jobs.entrySet().stream().filter(e -> now - e.getValue().dueNanos >= 0)
                .sorted(Comparator.comparingLong(e -> e.getValue().dueNanos - now)).limit(max).forEach(due::add);
        List<Due> handed = new ArrayList<>(due.size());
        for (Map.Entry<String, Entry> job : due) {
            job.getValue().dueNanos = now + intervals.claim().toNanos();
            handed.add(new Due(job.getKey(), job.getValue().jobId));
        }
        return handed;
    }

    @Override
    public synchronized void checked(String jobKey, String state) {
        Entry entry = jobs.get(jobKey);
        if (entry != null) {
            boolean same = state == null || state.equals(entry.state);
            entry.intervalMillis = same ? intervals.longer(entry.intervalMillis) : intervals.base().toMillis();
            entry.state = state == null ? entry.state : state;
            entry.dueNanos = System.nanoTime() + Intervals.spread(entry.intervalMillis) * 1_000_000;
        }
    }

    @Override
    public synchronized void again(String jobKey, Duration delay) {
        Entry entry = jobs.get(jobKey);
        if (entry != null) {
            entry.dueNanos = System.nanoTime() + delay.toNanos();
        }
    }

    @Override
    public void unwatch(String jobKey) {
        jobs.remove(jobKey);
    }

    @Override
    public synchronized void listed(Map<String, Listed> byJobKey) {
        long now = System.nanoTime();
        byJobKey.forEach((jobKey, listed) -> {
            Entry entry = jobs.get(jobKey);
            if (entry == null) {
                return;
            }
            if (entry.state != null && !listed.state().equals(entry.state)) {
                entry.dueNanos = now;
                entry.intervalMillis = intervals.base().toMillis();
            } else if (listed.waiting()) {
                entry.state = listed.state();
                entry.dueNanos = Math.max(entry.dueNanos - now, intervals.max().toNanos()) + now;
            }
        });
    }

    @Override
    public boolean turn(String task, Duration every) {
        long now = System.nanoTime();
        Long next = tasks.get(task);
        if (next != null && now - next < 0) {
            return false;
        }
        tasks.put(task, now + every.toNanos());
        return true;
    }

    @Override
    public int watched() {
        return jobs.size();
    }
}
