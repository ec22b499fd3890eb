package dev.jobharvester.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/** Every log line, with its stack trace, written while it is attached to the root logger. */
public final class CapturedLog extends AbstractAppender implements AutoCloseable {

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<String> warnings = new CopyOnWriteArrayList<>();

    private CapturedLog() {
        super("captured", null, null, true, Property.EMPTY_ARRAY);
    }

    public static CapturedLog attach() {
        CapturedLog log = new CapturedLog();
        log.start();
        ((Logger) LogManager.getRootLogger()).addAppender(log);
        return log;
    }

    @Override
    public void append(LogEvent event) {
        StringWriter text = new StringWriter().append(event.getMessage().getFormattedMessage());
        if (event.getThrown() != null) {
            event.getThrown().printStackTrace(new PrintWriter(text));
        }
        lines.add(text.toString());
        if (event.getLevel().isMoreSpecificThan(Level.WARN)) {
            warnings.add(event.getLevel() + " " + text);
        }
    }

    /** The events at WARN or above, each with its level. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** The lines an operator would read: one per event, plus those of its stack trace. */
    public long printedLines() {
        return lines.stream().mapToLong(text -> text.lines().count()).sum();
    }

    public List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        ((Logger) LogManager.getRootLogger()).removeAppender(this);
        stop();
    }
}
