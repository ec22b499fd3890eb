package dev.jobharvester.app;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The file-system calls of a process as {@code strace -f -y -s 512} wrote them: each successful call with the path of
 * its file descriptor, its string arguments, and the places in the trace where it began and where it returned (a call
 * interrupted by another thread's is split over two lines, "unfinished" and "resumed").
 */
final class SyscallTrace {

    /**
     * One call: {@code fd} is its first argument's descriptor (-1 if none), {@code result} what it returned;
     * {@code began} and {@code returned} are line numbers in the trace.
     */
    record Call(String name, int fd, String fdPath, List<String> strings, long result, int began, int returned) {

        boolean on(String path) {
            return path.equals(fdPath);
        }
    }

    private static final Pattern START = Pattern.compile("^(\\d+)\\s+(\\w+)\\((.*)$");
    private static final Pattern RESUMED = Pattern.compile("^(\\d+)\\s+<\\.\\.\\. (\\w+) resumed>(.*)$");
    private static final Pattern FD_PATH = Pattern.compile("^(-?\\d+)<([^>]*)>");
    private static final Pattern RESULT = Pattern.compile("\\)\\s+=\\s+(-?\\d+)");

    private final List<Call> calls;

    private SyscallTrace(List<Call> calls) {
        this.calls = calls;
    }

    static SyscallTrace read(Path file) throws IOException {
        List<Call> calls = new ArrayList<>();
        Map<String, String[]> unfinished = new HashMap<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            Matcher resumed = RESUMED.matcher(line);
            if (resumed.matches()) {
                String[] began = unfinished.remove(resumed.group(1));
                if (began != null) {
                    add(calls, began[0], began[1] + resumed.group(3), Integer.parseInt(began[2]), i);
                }
                continue;
            }
            Matcher start = START.matcher(line);
            if (!start.matches()) {
                continue;
            }
            String rest = start.group(3);
            if (rest.endsWith("<unfinished ...>")) {
                unfinished.put(start.group(1), new String[] {start.group(2), rest.replace("<unfinished ...>", ""),
                        String.valueOf(i)});
            } else {
                add(calls, start.group(2), rest, i, i);
            }
        }
        return new SyscallTrace(calls);
    }

    private static void add(List<Call> calls, String name, String arguments, int began, int returned) {
        Matcher result = RESULT.matcher(arguments);
        int end = -1;
        while (result.find()) {
            end = result.start();
        }
        if (end < 0 || arguments.substring(end).matches("\\)\\s+=\\s+-1.*")) {
            return; // failed or without a result
        }
        Matcher fd = FD_PATH.matcher(arguments);
        boolean hasFd = fd.find();
        Matcher value = RESULT.matcher(arguments).region(end, arguments.length());
        calls.add(new Call(name, hasFd ? Integer.parseInt(fd.group(1)) : -1, hasFd ? fd.group(2) : null,
                strings(arguments.substring(0, end)), value.find() ? Long.parseLong(value.group(1)) : 0, began,
                returned));
    }

    /**
     * The quoted strings among a call's arguments, quotes and backslashes unescaped. Scanned by hand: a regular
     * expression recursed once per escape and overflowed the stack on a write of binary bytes.
     */
    private static List<String> strings(String arguments) {
        List<String> strings = new ArrayList<>();
        StringBuilder current = null;
        for (int i = 0; i < arguments.length(); i++) {
            char c = arguments.charAt(i);
            if (current == null) {
                if (c == '"') {
                    current = new StringBuilder();
                }
            } else if (c == '\\' && i + 1 < arguments.length()) {
                char next = arguments.charAt(++i);
                if (next != '"' && next != '\\') {
                    current.append(c);
                }
                current.append(next);
            } else if (c == '"') {
                strings.add(current.toString());
                current = null;
            } else {
                current.append(c);
            }
        }
        return strings;
    }

    /** The calls that match, in the order they began. */
    List<Call> all(Predicate<Call> filter) {
        return calls.stream().filter(filter).toList();
    }

    static Predicate<Call> named(String... names) {
        List<String> list = List.of(names);
        return call -> list.contains(call.name());
    }

    /** A rename of {@code from} to {@code to}, whichever of rename, renameat and renameat2 made it. */
    static Predicate<Call> rename(Path from, Path to) {
        return named("rename", "renameat", "renameat2").and(call -> call.strings().size() == 2
                && call.strings().get(0).equals(from.toString()) && call.strings().get(1).equals(to.toString()));
    }
}
