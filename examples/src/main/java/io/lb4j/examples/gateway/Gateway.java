package io.lb4j.examples.gateway;

import io.lb4j.examples.Demo;
import io.lb4j.examples.gateway.config.ConfigException;
import io.lb4j.examples.gateway.config.ConfigProblem;
import io.lb4j.examples.gateway.config.Durations;
import io.lb4j.examples.gateway.config.GatewayConfig;
import io.lb4j.examples.gateway.config.GatewayConfigParser;
import io.lb4j.impl.diagnostics.Report;
import io.lb4j.impl.diagnostics.Severity;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The lb4j gateway, {@code java -jar examples/target/lb-gateway.jar COMMAND}:
 *
 * <ul>
 *   <li>{@code demo}: three HTTP backends on loopback behind a Layer-7 and a Layer-4 listener, driven by a
 *       plain HTTP client through every behaviour of the reference: weighted shares, a sticky browser, a
 *       backend failing and rejoining, 502, 504, 431 and 508;
 *   <li>{@code demo client}: the client-side tour (the balancer inside the application);
 *   <li>{@code run --config FILE}: a gateway from a YAML file, reloaded when the file changes or on SIGHUP,
 *       with a status table, stopped gracefully by Ctrl-C;
 * </ul>
 *
 * <p>Exit codes: 0 success, 1 a runtime failure (a port in use, a demo phase that did not behave), 2 a
 * usage or configuration error (nothing was started), 3 a listener failed while running (one of its event
 * loops hit an {@link Error} such as {@code OutOfMemoryError}): the gateway closed every listener and exits
 * so that a supervisor (systemd {@code Restart=on-failure}, a container restart policy) starts it again.
 */
public final class Gateway {

  /** Exit code of a usage or configuration error. */
  static final int EXIT_CONFIG = 2;
  /** Exit code of {@code run} when a listener failed (fail-stop: never a process that answers nothing). */
  static final int EXIT_LISTENER_FAILED = 3;
  /** How long periodic diagnostics wait for every backend's first health check before they start. */
  static final Duration FIRST_CHECKS_WAIT = Duration.ofSeconds(15);
  /** How long {@code run} lets requests in flight finish on Ctrl-C. */
  static final Duration STOP_GRACE = Duration.ofSeconds(10);
  private static final String USAGE = String.join("\n",
      "usage: java -jar lb-gateway.jar COMMAND",
      "  demo                      the gateway demo: listeners, health checks and failures on loopback",
      "  demo client               the client-side demo: the balancer inside the application",
      "  run --config FILE         run a gateway from a YAML file (see examples/gateway.yaml)",
      "      [--event-loops N]     event-loop threads per listener (default: the number of cores)",
      "      [--status-every DUR]  status refresh, such as 2s or 500ms (default 2s); 0s turns it off",
      "      [--diagnose-every DUR] log diagnostics findings as they appear and clear (default 30s; 0s: off)",
      "  diagnose --config FILE    start the configured gateway, let its health checks run, print what",
      "      [--json] [--wait DUR] diagnostics find (text or JSON), stop; exit 1 when a finding is an error");

  private final PrintStream out;
  private final PrintStream err;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean signalled;
  private volatile String failedListener;

  Gateway(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  /** Runs a command; see the class documentation. */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("demo")) {
      // The demos print every health transition themselves; the library's WARN lines would say it twice.
      defaultProperty("org.slf4j.simpleLogger.log.io.lb4j", "error");
    } else if (args.length > 0 && args[0].equals("run")) {
      // An operator sees listeners start and stop and every health transition; the access log (one line
      // per request) stays off unless -Dorg.slf4j.simpleLogger.log.io.lb4j.access=info turns it on.
      defaultProperty("org.slf4j.simpleLogger.log.io.lb4j", "info");
      defaultProperty("org.slf4j.simpleLogger.log.io.lb4j.access", "warn");
    }
    Gateway gateway = new Gateway(System.out, System.err);
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::stopFromSignal, "lb4j-gateway-shutdown"));
    int exit;
    try {
      exit = gateway.execute(args);
    } catch (Error e) {
      // Out of memory on the main thread itself: no clean stop is possible, but never linger half alive.
      Runtime.getRuntime().halt(EXIT_LISTENER_FAILED);
      return;
    }
    if (!gateway.signalled) {
      System.exit(exit); // after a signal the JVM is exiting already; System.exit would block here
    }
  }

  /**
   * Ctrl-C or SIGTERM: the JVM exits once its shutdown hooks return, so this hook waits until {@code run}
   * has stopped gracefully (bounded by the grace and a margin).
   */
  private void stopFromSignal() {
    signalled = true;
    requestStop();
    try {
      finished.await(STOP_GRACE.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void defaultProperty(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }

  /**
   * A listener failed ({@link io.lb4j.impl.listener.ListenerState#FAILED}): {@code run} stops every
   * listener at once and returns {@link #EXIT_LISTENER_FAILED}. Called on the failed listener's thread.
   */
  void listenerFailed(String name) {
    if (failedListener == null) {
      failedListener = name;
    }
    stop.countDown();
  }

  /** Asks a running {@code run} to stop gracefully (what Ctrl-C does). */
  void requestStop() {
    stop.countDown();
  }

  /** Runs a command and returns its exit code. {@code run} returns after {@link #requestStop()}. */
  int execute(String[] args) {
    try {
      return dispatch(args);
    } finally {
      finished.countDown();
    }
  }

  private int dispatch(String[] args) {
    if (args.length == 0 || args[0].equals("help") || args[0].equals("--help")) {
      (args.length == 0 ? err : out).println(USAGE);
      return args.length == 0 ? EXIT_CONFIG : 0;
    }
    switch (args[0]) {
      case "demo":
        if (args.length == 2 && args[1].equals("client")) {
          return Demo.run();
        }
        if (args.length == 1) {
          return GatewayDemo.run(out);
        }
        return usage("demo takes no argument but 'client', was '" + String.join(" ", args) + "'");
      case "run":
        return run(args);
      case "diagnose":
        return diagnose(args);
      default:
        return usage("unknown command '" + args[0] + "'");
    }
  }

  private int usage(String problem) {
    err.println(problem);
    err.println(USAGE);
    return EXIT_CONFIG;
  }

  private int run(String[] args) {
    Optional<RunOptions> options = RunOptions.parse(args, err);
    if (options.isEmpty()) {
      err.println(USAGE);
      return EXIT_CONFIG;
    }
    RunOptions o = options.get();
    GatewayConfigParser parser = new GatewayConfigParser();
    byte[] content;
    try {
      content = Files.readAllBytes(o.config());
    } catch (IOException e) {
      err.println("cannot read " + o.config() + ": " + e.getMessage());
      return EXIT_CONFIG;
    }
    GatewayRuntime runtime;
    try {
      runtime = start(parser, o);
    } catch (StartFailure e) {
      return e.exitCode;
    }
    runtime.listeners().forEach(r -> out.println("started " + r.server()));
    ScheduledExecutorService status = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "lb4j-gateway-status");
      t.setDaemon(true);
      return t;
    });
    if (!o.diagnoseEvery().isZero()) {
      // After the first health checks, so a backend not checked yet is not reported as down.
      Thread diagnostics = new Thread(() -> {
        runtime.awaitFirstChecks(FIRST_CHECKS_WAIT);
        runtime.startPeriodicDiagnostics(o.diagnoseEvery());
      }, "lb4j-gateway-diagnostics-start");
      diagnostics.setDaemon(true);
      diagnostics.start();
    }
    boolean terminal = System.console() != null;
    ListenerStatus listenerStatus = new ListenerStatus();
    if (!o.statusEvery().isZero()) {
      status.scheduleWithFixedDelay(() -> printStatus(runtime, listenerStatus, terminal),
          o.statusEvery().toMillis(), o.statusEvery().toMillis(), TimeUnit.MILLISECONDS);
    }
    try (ConfigWatcher watcher = new ConfigWatcher(o.config(), content, parser, reloadListener(runtime))) {
      Signals.onHangup(watcher::reload);
      stop.await();
      if (failedListener == null) {
        out.println("stopping: letting requests in flight finish (up to " + STOP_GRACE.toSeconds() + "s)");
      }
    } catch (IOException e) {
      err.println("cannot watch " + o.config() + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      status.shutdownNow();
      if (failedListener != null) {
        err.println("listener " + failedListener + " FAILED (an event loop hit an Error, see the log): stopping"
            + " every listener; exit code " + EXIT_LISTENER_FAILED + " so that a supervisor restarts the gateway");
      }
      runtime.stop(failedListener != null ? Duration.ZERO : STOP_GRACE);
      out.println("stopped");
    }
    return failedListener != null ? EXIT_LISTENER_FAILED : 0;
  }

  /** A start that failed after its reason was printed. */
  private static final class StartFailure extends Exception {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    StartFailure(int exitCode) {
      super(null, null, false, false);
      this.exitCode = exitCode;
    }
  }

  private GatewayRuntime start(GatewayConfigParser parser, RunOptions o) throws StartFailure {
    try {
      return GatewayRuntime.start(parser.parse(o.config()), o.config().toString(), o.eventLoops(),
          this::listenerFailed);
    } catch (IOException e) {
      err.println("cannot read " + o.config() + ": " + e.getMessage());
      throw new StartFailure(EXIT_CONFIG);
    } catch (ConfigException e) {
      printProblems(e, "nothing was started");
      throw new StartFailure(EXIT_CONFIG);
    } catch (UncheckedIOException e) {
      err.println("cannot start: " + e.getMessage());
      throw new StartFailure(1);
    }
  }

  /**
   * {@code diagnose}: starts the configured gateway as {@code run} would, waits for its first health
   * checks, prints each listener's diagnostics report and stops. Exit 1 when a finding is an error.
   */
  private int diagnose(String[] args) {
    Optional<RunOptions> options = RunOptions.parse(args, err);
    if (options.isEmpty()) {
      err.println(USAGE);
      return EXIT_CONFIG;
    }
    RunOptions o = options.get();
    GatewayRuntime runtime;
    try {
      runtime = start(new GatewayConfigParser(), o);
    } catch (StartFailure e) {
      return e.exitCode;
    }
    try {
      runtime.awaitFirstChecks(o.waitFor());
      List<Report> reports = runtime.examine();
      if (o.json()) {
        out.println(reports.stream().map(Report::toJson).collect(Collectors.joining(",\n", "[\n", "\n]")));
      } else {
        reports.forEach(r -> out.println(r.toText()));
      }
      boolean error = reports.stream().anyMatch(r -> r.worst().orElse(Severity.INFO) == Severity.ERROR);
      return error ? 1 : 0;
    } finally {
      runtime.stop(Duration.ZERO);
    }
  }

  private ConfigWatcher.Listener reloadListener(GatewayRuntime runtime) {
    return new ConfigWatcher.Listener() {
      @Override
      public void onValid(GatewayConfig config) {
        List<String> pending = runtime.apply(config);
        out.println("reloaded: backends and health checks applied");
        pending.forEach(line -> out.println("  not applied: " + line));
      }

      @Override
      public void onInvalid(ConfigException problems) {
        printProblems(problems, "reload refused: the running configuration is kept");
      }

      @Override
      public void onUnreadable(IOException cause) {
        err.println("reload refused: cannot read the file (" + cause.getMessage()
            + "); the running configuration is kept");
      }
    };
  }

  private void printStatus(GatewayRuntime runtime, ListenerStatus listeners, boolean terminal) {
    long now = System.nanoTime();
    if (terminal) {
      out.print(StatusTable.REDRAW + StatusTable.table(runtime.views()) + "\n"
          + listeners.table(runtime.metrics(), now));
    } else {
      StatusTable.lines(runtime.views()).forEach(out::println);
      listeners.lines(runtime.metrics(), now).forEach(out::println);
    }
    out.flush();
  }

  private void printProblems(ConfigException e, String consequence) {
    List<ConfigProblem> problems = e.problems();
    err.println(problems.size() + (problems.size() == 1 ? " problem" : " problems") + " in the configuration; "
        + consequence + ":");
    problems.forEach(p -> err.println("  " + p));
  }

  /** The options of {@code run}. */
  record RunOptions(Path config, int eventLoops, Duration statusEvery, Duration diagnoseEvery, boolean json,
      Duration waitFor) {

    static Optional<RunOptions> parse(String[] args, PrintStream err) {
      Path config = null;
      int loops = Runtime.getRuntime().availableProcessors();
      Duration every = Duration.ofSeconds(2);
      Duration diagnoseEvery = Duration.ofSeconds(30);
      Duration waitFor = Duration.ofSeconds(15);
      boolean json = false;
      boolean ok = true;
      for (int i = 1; i < args.length; i++) {
        String option = args[i];
        if (option.equals("--json")) {
          json = true;
          continue;
        }
        String value = i + 1 < args.length ? args[++i] : null;
        if (value == null) {
          err.println("run: " + option + " needs a value");
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
              err.println("run: --event-loops must be between 1 and 256, was '" + value + "'");
              ok = false;
            }
            break;
          case "--status-every":
            every = duration(option, value, err).orElse(null);
            ok &= every != null;
            break;
          case "--diagnose-every":
            diagnoseEvery = duration(option, value, err).orElse(null);
            ok &= diagnoseEvery != null;
            break;
          case "--wait":
            waitFor = duration(option, value, err).orElse(null);
            ok &= waitFor != null;
            break;
          default:
            err.println("run: unknown option '" + option + "'");
            ok = false;
        }
      }
      if (config == null) {
        err.println("run: --config FILE is required");
        ok = false;
      }
      return ok ? Optional.of(new RunOptions(config, loops, every, diagnoseEvery, json, waitFor)) : Optional.empty();
    }

    private static Optional<Duration> duration(String option, String value, PrintStream err) {
      Optional<Duration> parsed = Durations.parse(value);
      if (parsed.isEmpty()) {
        err.println(option + " must be a duration such as 500ms, 2s or 1m, was '" + value + "'");
      }
      return parsed;
    }
  }
}
