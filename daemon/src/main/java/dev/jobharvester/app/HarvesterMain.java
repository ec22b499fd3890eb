package dev.jobharvester.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/** The command line: {@code run} (the default), {@code demo}, {@code simulator}. */
public final class HarvesterMain {

    private static final String USAGE = """
            usage: java -jar job-harvester.jar [command] [options] [--config FILE]

            commands:
              run        run the pipelines in routes/ until stopped (the default); SIGTERM stops it gracefully
              check      read the settings and build every pipeline without starting any; names the first mistake
              harvest    harvest some jobs through one pipeline, then exit (for scripts and cron):
                           --route ID  --jobs ID[,ID...]  [--wait SECONDS: how long to wait for a job to end]
              ledger     list what was delivered, what is in progress and what is parked [--route ID]
                           [--data-dir DIR]
              demo       start a simulated TensorPool, harvest three jobs into demo-output/, print what happened
              simulator  serve the simulated platform APIs until stopped [--port N] [--large-file-bytes N]
              help       this text (also --help, -h)

            --config FILE  a settings file; it overrides config/application.properties of the working directory,
                           which overrides the defaults in the jar; environment variables and -D override all three

            exit codes: 0 done; 1 a job could not be harvested, or nothing to list; 2 the command line or the
            settings are wrong (the message says what and where); 3 harvest: a job had not ended when --wait ran out;
            143 stopped by SIGTERM.
            """;

    /**
     * The commands that end by themselves, whose start is part of what they cost, and that the launcher builds its
     * class-data archive with: what they warm up, the archive holds for every command after. Not run: a daemon starts
     * once, and its memory counts for more than its start. The launcher names them too (LauncherIT holds the two
     * lists equal).
     */
    static final Set<String> WARMED_UP = Set.of("harvest", "check", "demo");

    private HarvesterMain() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    static int run(String[] args) throws Exception {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
            System.out.print(USAGE);
            return ExitCodes.OK;
        }
        String command = args.length > 0 && !args[0].startsWith("--") ? args[0] : "run";
        String[] options = args.length > 0 && !args[0].startsWith("--") ? Arrays.copyOfRange(args, 1, args.length) : args;
        CommandLine line;
        try {
            line = CommandLine.parse(options);
        } catch (IllegalArgumentException e) {
            System.err.println("job-harvester: " + e.getMessage() + "\n\n" + USAGE);
            return ExitCodes.CONFIG;
        }
        String configOption = line.option("config", null);
        Path config = configOption == null ? null : Path.of(configOption);
        if (config != null && !Files.isRegularFile(config)) {
            System.err.println("job-harvester: --config " + configOption + ": no such file ("
                    + config.toAbsolutePath() + ")");
            return ExitCodes.CONFIG;
        }
        try {
            return run(command, line, config);
        } catch (IllegalArgumentException e) {
            System.err.println("job-harvester " + command + ": " + e.getMessage() + "\n\n" + USAGE);
            return ExitCodes.CONFIG;
        }
    }

    private static int run(String command, CommandLine line, Path config) throws Exception {
        if (WARMED_UP.contains(command)) {
            WarmUp.begin();
        }
        return switch (command) {
            case "run" -> Daemon.run(config);
            case "check" -> {
                // Camel's start-up lines would bury the verdict; warnings and errors still show.
                Configurator.setRootLevel(Level.WARN);
                yield ConfigCheck.run(config, System.out, System.err);
            }
            case "harvest" -> {
                // What the run did, not Camel's start-up and stop: the harvester's own lines stay.
                Configurator.setLevel("org.apache.camel", Level.WARN);
                yield HarvestOnce.run(config, line, System.out, System.err);
            }
            case "ledger" -> {
                // The report is the output: the connection pool's start and stop lines would come between its lines.
                Configurator.setRootLevel(Level.WARN);
                yield LedgerReport.run(config, line, System.out, System.err);
            }
            case "demo" -> Demo.run(config);
            case "simulator" -> SimulatorCommand.run(line);
            case "help" -> {
                System.out.print(USAGE);
                yield ExitCodes.OK;
            }
            default -> {
                System.err.println("job-harvester: unknown command '" + command + "'\n\n" + USAGE);
                yield ExitCodes.CONFIG;
            }
        };
    }
}
