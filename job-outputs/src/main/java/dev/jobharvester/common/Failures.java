package dev.jobharvester.common;

/** Failures told in words: each distinct message of the cause chain once, the root cause last. */
public final class Failures {

    private Failures() {
    }

    /** The distinct messages of the chain, joined with {@code separator}. */
    public static String describe(Throwable error, String separator) {
        StringBuilder out = new StringBuilder();
        String previous = null;
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
            if (previous == null || !previous.contains(message)) {
                out.append(out.length() == 0 ? "" : separator).append(message);
            }
            previous = message;
        }
        return out.toString();
    }
}
