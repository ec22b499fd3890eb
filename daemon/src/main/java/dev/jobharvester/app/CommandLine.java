package dev.jobharvester.app;

import java.util.HashMap;
import java.util.Map;

/** {@code --name value} options; nothing else is accepted. */
final class CommandLine {

    private final Map<String, String> options;

    private CommandLine(Map<String, String> options) {
        this.options = options;
    }

    static CommandLine parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --option value, got '" + args[i] + "'");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return new CommandLine(options);
    }

    String option(String name, String fallback) {
        return options.getOrDefault(name, fallback);
    }

    String required(String name, String what) {
        String value = options.get(name);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is missing: " + what);
        }
        return value;
    }

    long longOption(String name, long fallback) {
        String value = options.get(name);
        try {
            return value == null ? fallback : Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number, got '" + value + "'");
        }
    }
}
