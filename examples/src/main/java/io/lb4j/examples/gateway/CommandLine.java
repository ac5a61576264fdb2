package io.lb4j.examples.gateway;

import io.lb4j.examples.gateway.config.Durations;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's command line: each command's options, their defaults and help, and the exit codes. Parsing
 * a command's arguments either yields its {@link Options}, or prints what is wrong (naming the command) and
 * yields nothing; {@code --help} and {@code -h} print the command's help. Stateless.
 */
final class CommandLine {

  /** Exit code: success, including a graceful stop by SIGTERM or Ctrl-C. */
  static final int EXIT_OK = 0;
  /** Exit code: a runtime failure (a port in use, a demo phase that misbehaved, an error found by diagnose). */
  static final int EXIT_FAILURE = 1;
  /** Exit code: a usage or configuration error; nothing was started. */
  static final int EXIT_CONFIG = 2;
  /** Exit code: a listener failed while running (fail-stop); a supervisor should start the gateway again. */
  static final int EXIT_LISTENER_FAILED = 3;

  static final String EXIT_CODES = String.join("\n",
      "exit codes:",
      "  0  success; also run stopped gracefully by SIGTERM or Ctrl-C (SIGINT), as nginx does",
      "  1  a runtime failure: a listener cannot bind (its port is in use), a demo phase misbehaved,",
      "     diagnose found an error",
      "  2  a usage or configuration error: nothing was started",
      "  3  a listener failed while running (an event loop hit an Error such as OutOfMemoryError): every",
      "     listener was closed; a supervisor (systemd Restart=on-failure) should start the gateway again");

  static final String USAGE = String.join("\n",
      "usage: java -jar lb-gateway.jar COMMAND [OPTIONS]      (COMMAND --help: its options)",
      "  demo                      the gateway demo: listeners, health checks and failures on loopback",
      "  demo client               the client-side demo: the balancer inside the application",
      "  run --config FILE         run a gateway from a YAML file (see examples/gateway.yaml)",
      "  validate --config FILE    check a configuration file and everything it names; start nothing",
      "  diagnose --config FILE    start the configured gateway, print what diagnostics find, stop",
      EXIT_CODES);

  private static final Map<String, String> HELP = Map.of(
      "demo", String.join("\n",
          "usage: java -jar lb-gateway.jar demo [client]",
          "  demo         three backends on loopback behind a Layer-7 and a Layer-4 listener, driven through",
          "               weighted shares, stickiness, a failing backend, 502, 504, 431 and 508",
          "  demo client  the client-side tour: the balancer inside the application",
          "exit 0 when every phase behaved, 1 otherwise"),
      "run", String.join("\n",
          "usage: java -jar lb-gateway.jar run --config FILE [OPTIONS]",
          "Runs a gateway from a YAML file. Saving the file (or kill -HUP) reloads backends, weights, health",
          "checks and cookie keys; SIGTERM or Ctrl-C stops accepting, lets requests in flight finish (up to 10s)",
          "and exits 0.",
          "  --config FILE          the configuration (required)",
          "  --event-loops N        event-loop threads per listener, 1-256 (default: the number of cores)",
          "  --status-every DUR     status refresh, such as 2s or 500ms (default 2s); 0s turns it off",
          "  --diagnose-every DUR   log diagnostics findings as they appear and clear (default 30s); 0s: off",
          EXIT_CODES),
      "validate", String.join("\n",
          "usage: java -jar lb-gateway.jar validate --config FILE",
          "Reads the file as run would and checks everything it names (TLS keys and certificates, cookie key",
          "files, backend sources' settings), as nginx -t does. Binds nothing, contacts nothing.",
          "  --config FILE          the configuration (required)",
          "exit 0: valid; 2: every problem is printed as file:line: key: message"),
      "diagnose", String.join("\n",
          "usage: java -jar lb-gateway.jar diagnose --config FILE [--json] [--wait DUR]",
          "Starts the configured gateway as run would, waits for every backend's first health check, prints",
          "each listener's diagnostics report (what is wrong, the evidence, what to change in the file) and stops.",
          "  --config FILE          the configuration (required)",
          "  --json                 print the reports as one JSON array",
          "  --wait DUR             how long to wait for the first health checks (default 15s)",
          "exit 0: no error found; 1: a finding is an error; 2: a usage or configuration error"));

  private CommandLine() {}

  /** The help of one command, or the general usage. */
  static String help(String command) {
    return HELP.getOrDefault(command, USAGE);
  }

  /** Whether the arguments after the command ask for help. */
  static boolean wantsHelp(String[] args) {
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--help") || args[i].equals("-h")) {
        return true;
      }
    }
    return false;
  }

  /**
   * The options of {@code run}, {@code validate} and {@code diagnose}.
   *
   * @param command the command they were given to
   * @param config the configuration file
   * @param eventLoops event-loop threads per listener
   * @param statusEvery the status refresh (zero: off)
   * @param diagnoseEvery the periodic diagnostics' period (zero: off)
   * @param json whether diagnose prints JSON
   * @param waitFor how long diagnose waits for first checks
   */
  record Options(String command, Path config, int eventLoops, Duration statusEvery, Duration diagnoseEvery,
      boolean json, Duration waitFor) {

    /** Parses {@code args} (the command first); empty after printing what is wrong. */
    static Optional<Options> parse(String[] args, PrintStream err) {
      String command = args[0];
      Path config = null;
      int loops = Runtime.getRuntime().availableProcessors();
      Duration every = Duration.ofSeconds(2);
      Duration diagnoseEvery = Duration.ofSeconds(30);
      Duration waitFor = Duration.ofSeconds(15);
      boolean json = false;
      boolean ok = true;
      for (int i = 1; i < args.length; i++) {
        String option = args[i];
        if (!takes(command, option)) {
          err.println(command + ": unknown option '" + option + "' (" + command + " --help lists the options)");
          ok = false;
          continue;
        }
        if (option.equals("--json")) {
          json = true;
          continue;
        }
        String value = i + 1 < args.length ? args[++i] : null;
        if (value == null) {
          err.println(command + ": " + option + " needs a value");
          return Optional.empty();
        }
        switch (option) {
          case "--config":
            config = Path.of(value);
            break;
          case "--event-loops":
            try {
              loops = Integer.parseInt(value);
            } catch (NumberFormatException e) {
              loops = 0;
            }
            if (loops < 1 || loops > 256) {
              err.println(command + ": --event-loops must be between 1 and 256, was '" + value + "'");
              ok = false;
            }
            break;
          case "--status-every":
            every = duration(command, option, value, err).orElse(null);
            ok &= every != null;
            break;
          case "--diagnose-every":
            diagnoseEvery = duration(command, option, value, err).orElse(null);
            ok &= diagnoseEvery != null;
            break;
          default: // --wait
            waitFor = duration(command, option, value, err).orElse(null);
            ok &= waitFor != null;
        }
      }
      if (config == null) {
        err.println(command + ": --config FILE is required");
        ok = false;
      }
      return ok ? Optional.of(new Options(command, config, loops, every, diagnoseEvery, json, waitFor))
          : Optional.empty();
    }

    private static boolean takes(String command, String option) {
      switch (command) {
        case "run":
          return option.equals("--config") || option.equals("--event-loops") || option.equals("--status-every")
              || option.equals("--diagnose-every");
        case "diagnose":
          return option.equals("--config") || option.equals("--event-loops") || option.equals("--json")
              || option.equals("--wait");
        default: // validate
          return option.equals("--config");
      }
    }

    private static Optional<Duration> duration(String command, String option, String value, PrintStream err) {
      Optional<Duration> parsed = Durations.parse(value);
      if (parsed.isEmpty()) {
        err.println(command + ": " + option + " must be a duration such as 500ms, 2s or 1m, was '" + value + "'");
      }
      return parsed;
    }
  }
}
