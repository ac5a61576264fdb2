package io.lb4j.impl.listener;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@link EmfileChild} in a child JVM whose file-descriptor limit is set by {@code ulimit -n} in a
 * {@code /bin/sh -c} launcher (no root needed: lowering a limit is always allowed), on this JVM's class
 * path. Keeps the child's standard error lines (its log) and talks to it one command, one answer.
 */
final class ChildListener implements AutoCloseable {
  private final Process process;
  private final PrintStream commands;
  private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
  final List<String> log = new CopyOnWriteArrayList<>();
  final int port;

  ChildListener(int maxOpenFiles, String backendHost, int backendPort) throws IOException {
    String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
    ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", "ulimit -n " + maxOpenFiles + " && exec \"$0\" \"$@\"",
        java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
        "-Dorg.slf4j.simpleLogger.log.io.lb4j.access=info", EmfileChild.class.getName(), backendHost,
        String.valueOf(backendPort));
    process = pb.start();
    commands = new PrintStream(process.getOutputStream(), true, StandardCharsets.US_ASCII);
    pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII)), answers::add);
    pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.US_ASCII)), log::add);
    String first = answer();
    if (!first.startsWith("listening ")) {
      throw new IllegalStateException("the child did not start: " + first + "\n" + String.join("\n", log));
    }
    port = Integer.parseInt(first.substring("listening ".length()));
  }

  private static void pump(BufferedReader reader, java.util.function.Consumer<String> sink) {
    Thread t = new Thread(() -> {
      try {
        String line;
        while ((line = reader.readLine()) != null) {
          sink.accept(line);
        }
      } catch (IOException ended) {
        // the child is gone
      }
    }, "child-listener-output");
    t.setDaemon(true);
    t.start();
  }

  /** Sends a command and returns the child's one-line answer. */
  String command(String command) {
    commands.println(command);
    return answer();
  }

  private String answer() {
    try {
      String line = answers.poll(60, TimeUnit.SECONDS);
      if (line == null) {
        throw new AssertionError("the child did not answer within 60s; its log:\n" + String.join("\n", log));
      }
      return line;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Log lines containing {@code text}. */
  long logLines(String text) {
    return log.stream().filter(l -> l.contains(text)).count();
  }

  @Override
  public void close() {
    try {
      commands.println("exit");
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    } catch (UncheckedIOException e) {
      process.destroyForcibly();
    }
  }
}
