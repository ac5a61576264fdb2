package io.lb4j.examples.gateway;

import io.lb4j.examples.Demo;
import io.lb4j.examples.gateway.config.ConfigException;
import io.lb4j.examples.gateway.config.ConfigProblem;
import io.lb4j.examples.gateway.config.GatewayConfig;
import io.lb4j.examples.gateway.config.GatewayConfigParser;
import io.lb4j.examples.gateway.config.IoErrors;
import io.lb4j.examples.gateway.config.ListenerConfig;
import io.lb4j.impl.diagnostics.Report;
import io.lb4j.impl.diagnostics.Severity;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * The lb4j gateway, {@code java -jar examples/target/lb-gateway.jar COMMAND} ({@code COMMAND --help} for its
 * options):
 *
 * <ul>
 *   <li>{@code demo}: three HTTP backends on loopback behind a Layer-7 and a Layer-4 listener, driven by a
 *       plain HTTP client through every behaviour of the reference: weighted shares, a sticky browser, a
 *       backend failing and rejoining, 502, 504, 431 and 508;
 *   <li>{@code demo client}: the client-side tour (the balancer inside the application);
 *   <li>{@code run --config FILE}: a gateway from a YAML file, reloaded when the file changes or on SIGHUP,
 *       with a status table and an optional admin endpoint, stopped gracefully by SIGTERM or Ctrl-C;
 *   <li>{@code validate --config FILE}: checks a file and everything it names, starts nothing (like
 *       {@code nginx -t});
 *   <li>{@code diagnose --config FILE}: starts the gateway, prints what diagnostics find, stops.
 * </ul>
 *
 * <p>Exit codes ({@link CommandLine#EXIT_CODES}): 0 success, also after a graceful stop by SIGTERM or Ctrl-C
 * (as nginx); 1 a runtime failure (a port in use, a demo phase that did not behave, an error found by
 * {@code diagnose}); 2 a usage or configuration error (nothing was started); 3 a listener failed while running
 * (one of its event loops hit an {@link Error} such as {@code OutOfMemoryError}): the gateway closed every
 * listener and exits so that a supervisor (systemd {@code Restart=on-failure}, a container restart policy)
 * starts it again.
 */
public final class Gateway {

  /** Exit code of a usage or configuration error. */
  static final int EXIT_CONFIG = CommandLine.EXIT_CONFIG;
  /** Exit code of {@code run} when a listener failed (fail-stop: never a process that answers nothing). */
  static final int EXIT_LISTENER_FAILED = CommandLine.EXIT_LISTENER_FAILED;
  /** How long periodic diagnostics wait for every backend's first health check before they start. */
  static final Duration FIRST_CHECKS_WAIT = Duration.ofSeconds(15);
  /** How long {@code run} lets requests in flight finish on Ctrl-C. */
  static final Duration STOP_GRACE = Duration.ofSeconds(10);

  private final PrintStream out;
  private final PrintStream err;
  private final CountDownLatch stop = new CountDownLatch(1);
  private final CountDownLatch finished = new CountDownLatch(1);
  /** True while {@code run} serves: a stop signal then stops it gracefully; before, it exits at once. */
  private volatile boolean serving;
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
    } else {
      defaultProperty("org.slf4j.simpleLogger.log.io.lb4j", "warn");
    }
    Gateway gateway = new Gateway(System.out, System.err);
    if (args.length > 0 && args[0].equals("run")
        && !Signals.onTerminate(gateway::stopFromSignal)) {
      // No signal handling on this JVM: the shutdown hook stops gracefully (the exit code is then the JVM's).
      Runtime.getRuntime().addShutdownHook(new Thread(gateway::stopFromShutdownHook, "lb4j-gateway-shutdown"));
    }
    int exit;
    try {
      exit = gateway.execute(args);
    } catch (Error e) {
      // Out of memory on the main thread itself: no clean stop is possible, but never linger half alive.
      Runtime.getRuntime().halt(EXIT_LISTENER_FAILED);
      return;
    }
    System.out.flush();
    System.exit(exit);
  }

  /**
   * SIGTERM or Ctrl-C: a serving gateway stops gracefully and {@code main} exits 0; before it serves (while
   * the file is read) there is nothing to drain, so the process exits 0 at once.
   */
  private void stopFromSignal() {
    if (serving) {
      requestStop();
    } else {
      System.exit(CommandLine.EXIT_OK);
    }
  }

  /** Without signal handling: the JVM exits once its shutdown hooks return, so wait for the graceful stop. */
  private void stopFromShutdownHook() {
    requestStop();
    if (!serving) {
      return;
    }
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
    if (args.length == 0) {
      err.println(CommandLine.USAGE);
      return EXIT_CONFIG;
    }
    String command = args[0];
    if (command.equals("help") || command.equals("--help") || command.equals("-h")) {
      out.println(CommandLine.help(args.length > 1 ? args[1] : ""));
      return CommandLine.EXIT_OK;
    }
    if (CommandLine.wantsHelp(args)) {
      out.println(CommandLine.help(command));
      return CommandLine.EXIT_OK;
    }
    switch (command) {
      case "demo":
        if (args.length == 2 && args[1].equals("client")) {
          return Demo.run();
        }
        if (args.length == 1) {
          return GatewayDemo.run(out);
        }
        return usage("demo: takes no argument but 'client', was '" + String.join(" ", args) + "'", command);
      case "run":
        return run(args);
      case "validate":
        return validate(args);
      case "diagnose":
        return diagnose(args);
      default:
        return usage("unknown command '" + command + "'", "");
    }
  }

  private int usage(String problem, String command) {
    err.println(problem);
    err.println(CommandLine.help(command));
    return EXIT_CONFIG;
  }

  /** The file's bytes and what they configure; empty after printing why the file cannot be used. */
  private Optional<Loaded> load(CommandLine.Options o) {
    byte[] content;
    try {
      content = GatewayConfigParser.read(o.config());
    } catch (IOException e) {
      err.println(o.command() + ": cannot read " + o.config() + ": " + IoErrors.describe(e));
      return Optional.empty();
    }
    try {
      GatewayConfig config = new GatewayConfigParser().parse(o.config().toString(), content,
          o.config().toAbsolutePath().getParent());
      return Optional.of(new Loaded(config, content));
    } catch (ConfigException e) {
      printProblems(e, "nothing was started");
      return Optional.empty();
    }
  }

  /** A configuration and the bytes it was read from. */
  private record Loaded(GatewayConfig config, byte[] content) {}

  private Optional<CommandLine.Options> options(String[] args) {
    Optional<CommandLine.Options> options = CommandLine.Options.parse(args, err);
    if (options.isEmpty()) {
      err.println(CommandLine.help(args[0]));
    }
    return options;
  }

  /** {@code validate}: everything {@code run} would check before it binds, and nothing more. */
  private int validate(String[] args) {
    Optional<CommandLine.Options> options = options(args);
    if (options.isEmpty()) {
      return EXIT_CONFIG;
    }
    CommandLine.Options o = options.get();
    Optional<Loaded> loaded = load(o);
    if (loaded.isEmpty()) {
      return EXIT_CONFIG;
    }
    GatewayConfig config = loaded.get().config();
    try {
      GatewayRuntime.loadTls(config, o.config().toString());
    } catch (ConfigException e) {
      printProblems(e, "it would not start");
      return EXIT_CONFIG;
    }
    out.println(o.config() + ": the configuration is valid: " + config.listeners().size()
        + (config.listeners().size() == 1 ? " listener" : " listeners"));
    for (ListenerConfig l : config.listeners()) {
      out.println("  " + l.listener().name() + ": " + l.listener().frontendProtocol().name().toLowerCase(Locale.ROOT)
          + " on " + l.bindAddress() + ":" + l.listener().frontendPort() + ", "
          + (l.source() != null ? "backends from " + l.source().description()
              : l.backends().size() + (l.backends().size() == 1 ? " backend" : " backends")));
    }
    return CommandLine.EXIT_OK;
  }

  private int run(String[] args) {
    Optional<CommandLine.Options> options = options(args);
    if (options.isEmpty()) {
      return EXIT_CONFIG;
    }
    CommandLine.Options o = options.get();
    Optional<Loaded> loaded = load(o);
    if (loaded.isEmpty()) {
      return EXIT_CONFIG;
    }
    GatewayRuntime runtime;
    serving = true; // from here a stop signal is graceful: listeners may be accepting
    try {
      runtime = start(loaded.get().config(), o);
    } catch (StartFailed e) {
      return e.exitCode;
    }
    if (stop.getCount() == 0) { // a stop asked for, or a listener failed, while the gateway started
      reportListenerFailure();
      runtime.stop(Duration.ZERO);
      return failedListener != null ? EXIT_LISTENER_FAILED : CommandLine.EXIT_OK;
    }
    runtime.listeners().forEach(r -> out.println("started " + r.server()));
    if (runtime.adminAddress() != null) {
      out.println("admin endpoint: http://" + runtime.adminAddress().getAddress().getHostAddress() + ":"
          + runtime.adminAddress().getPort() + "/status (also /status.json, /metrics, /ready, /live)");
    }
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
    try (ConfigWatcher watcher = new ConfigWatcher(o.config(), loaded.get().config(), loaded.get().content(),
        new GatewayConfigParser(), reloadListener(runtime))) {
      Signals.onHangup(watcher::reload);
      stop.await();
      if (failedListener == null) {
        out.println("stopping: letting requests in flight finish (up to " + STOP_GRACE.toSeconds() + "s)");
      }
    } catch (IOException e) {
      err.println("run: cannot watch " + o.config() + ": " + IoErrors.describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      status.shutdownNow();
      reportListenerFailure();
      runtime.stop(failedListener != null ? Duration.ZERO : STOP_GRACE);
      out.println("stopped");
    }
    return failedListener != null ? EXIT_LISTENER_FAILED : CommandLine.EXIT_OK;
  }

  private void reportListenerFailure() {
    if (failedListener != null) {
      err.println("listener " + failedListener + " FAILED (an event loop hit an Error, see the log): stopping"
          + " every listener; exit code " + EXIT_LISTENER_FAILED + " so that a supervisor restarts the gateway");
    }
  }

  /** A start that failed after its reason was printed. */
  private static final class StartFailed extends Exception {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    StartFailed(int exitCode) {
      super(null, null, false, false);
      this.exitCode = exitCode;
    }
  }

  private GatewayRuntime start(GatewayConfig config, CommandLine.Options o) throws StartFailed {
    try {
      return GatewayRuntime.start(config, o.config().toString(), o.eventLoops(), this::listenerFailed);
    } catch (ConfigException e) {
      printProblems(e, "nothing was started");
      throw new StartFailed(EXIT_CONFIG);
    } catch (GatewayRuntime.StartFailure e) {
      err.println(o.command() + ": cannot start, nothing was left running:");
      err.println("  " + e.problem());
      throw new StartFailed(CommandLine.EXIT_FAILURE);
    }
  }

  /**
   * {@code diagnose}: starts the configured gateway as {@code run} would, waits for its first health
   * checks, prints each listener's diagnostics report and stops. Exit 1 when a finding is an error.
   */
  private int diagnose(String[] args) {
    Optional<CommandLine.Options> options = options(args);
    if (options.isEmpty()) {
      return EXIT_CONFIG;
    }
    CommandLine.Options o = options.get();
    Optional<Loaded> loaded = load(o);
    if (loaded.isEmpty()) {
      return EXIT_CONFIG;
    }
    GatewayRuntime runtime;
    try {
      runtime = start(loaded.get().config(), o);
    } catch (StartFailed e) {
      return e.exitCode;
    }
    try {
      runtime.awaitFirstChecks(o.waitFor());
      List<Report> reports = runtime.examine();
      // A check-versus-traffic mismatch must last before it is an error (a backend restarting is not one):
      // examine again until none is confirming, at most twice the longest confirmation time and 5 s more (each
      // examination may wait up to 1 s for a port probe).
      long deadline = System.nanoTime() + runtime.confirmationTime().multipliedBy(2).plusSeconds(5).toNanos();
      while (reports.stream().anyMatch(Report::confirming) && System.nanoTime() - deadline < 0) {
        TimeUnit.MILLISECONDS.sleep(Math.max(100, runtime.confirmationTime().toMillis() / 4));
        reports = runtime.examine();
      }
      if (o.json()) {
        out.println(reports.stream().map(Report::toJson).collect(Collectors.joining(",\n", "[\n", "\n]")));
      } else {
        reports.forEach(r -> out.println(r.toText()));
      }
      boolean error = reports.stream().anyMatch(r -> r.worst().orElse(Severity.INFO) == Severity.ERROR);
      return error ? CommandLine.EXIT_FAILURE : CommandLine.EXIT_OK;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return CommandLine.EXIT_FAILURE;
    } finally {
      runtime.stop(Duration.ZERO);
    }
  }

  private ConfigWatcher.Listener reloadListener(GatewayRuntime runtime) {
    return new ConfigWatcher.Listener() {
      @Override
      public void onValid(GatewayConfig config) {
        List<String> pending = runtime.apply(config);
        out.println("reloaded: backends, health checks and cookie keys applied");
        pending.forEach(line -> out.println("  not applied: " + line));
      }

      @Override
      public void onInvalid(ConfigException problems) {
        printProblems(problems, "reload refused: the running configuration is kept");
      }

      @Override
      public void onUnreadable(IOException cause) {
        err.println("reload refused: cannot read the file (" + IoErrors.describe(cause)
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
}
