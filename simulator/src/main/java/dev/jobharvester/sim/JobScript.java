package dev.jobharvester.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * A job's life as a sequence of states, each lasting a number of looks at it (status requests, and listings that
 * show it); the last state stays. Counting looks instead of seconds keeps tests exact on a slow machine.
 */
public final class JobScript {

    private final List<String> states = new ArrayList<>();
    private final List<Integer> polls = new ArrayList<>();
    private long served;

    private JobScript() {
    }

    /** A job that is already in {@code state}. */
    public static JobScript always(String state) {
        return new JobScript().then(state, Integer.MAX_VALUE);
    }

    /** A job in {@code state} for the next {@code statusRequests} status requests. */
    public static JobScript start(String state, int statusRequests) {
        return new JobScript().then(state, statusRequests);
    }

    public JobScript then(String state, int statusRequests) {
        states.add(state);
        polls.add(statusRequests);
        return this;
    }

    /** Ends the script in {@code state}, for good. */
    public JobScript thenStays(String state) {
        return then(state, Integer.MAX_VALUE);
    }

    /** Moves the job on to its next state now, whatever status requests were left of the current one. */
    public synchronized void advance() {
        long bound = 0;
        for (int i = 0; i < states.size() - 1; i++) {
            bound += polls.get(i);
            if (served < bound) {
                served = bound;
                return;
            }
        }
    }

    /** The state a status request sees now; advances the script. */
    public synchronized String nextStatus() {
        String state = current();
        served++;
        return state;
    }

    /** The state the script ends in. */
    public synchronized String finalState() {
        return states.get(states.size() - 1);
    }

    /** The state now, without advancing. */
    public synchronized String current() {
        long bound = 0;
        for (int i = 0; i < states.size(); i++) {
            bound += polls.get(i);
            if (served < bound) {
                return states.get(i);
            }
        }
        return states.get(states.size() - 1);
    }
}
