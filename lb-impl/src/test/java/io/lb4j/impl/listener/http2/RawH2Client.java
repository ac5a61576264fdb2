package io.lb4j.impl.listener.http2;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Test helper: a raw-frame HTTP/2 client over a real socket, as an attacker writes it: it sends whatever
 * {@link RawFrames} build (no flow control, no state machine), and a reader thread parses what the server
 * sends back into one line per frame ({@link RecordingFrameListener}'s format). Header blocks come from its
 * own HPACK encoder.
 */
final class RawH2Client implements AutoCloseable {
  private final Socket socket;
  private final HpackEncoder encoder = new HpackEncoder(4096);
  private final Thread reader;
  /** The server's frames, one line each, in order. */
  final List<String> events = new CopyOnWriteArrayList<>();
  volatile boolean ended;

  RawH2Client(InetSocketAddress server) {
    try {
      socket = new Socket();
      socket.connect(server, 30_000);
      socket.setSoTimeout(200);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    reader = new Thread(this::readLoop, "raw-h2-client");
    reader.setDaemon(true);
    reader.start();
  }

  /** A header block for (name, value) pairs. */
  byte[] block(String... nameValues) {
    Http2Headers h = new Http2Headers();
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    int n = encoder.encode(h);
    return java.util.Arrays.copyOf(encoder.buffer(), n);
  }

  /** A GET of {@code path} with every pseudo-header a request needs. */
  byte[] get(String path) {
    return block(":method", "GET", ":scheme", "http", ":authority", "example.test", ":path", path);
  }

  /** Writes the frames; false when the server already closed. */
  boolean send(RawFrames frames) {
    try {
      socket.getOutputStream().write(frames.bytes());
      socket.getOutputStream().flush();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Waits (30 s at most) until a frame line matches; returns it. */
  String await(String what, Predicate<String> line) {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() - deadline < 0) {
      for (String e : events) {
        if (line.test(e)) {
          return e;
        }
      }
      if (ended && events.stream().noneMatch(line)) {
        throw new AssertionError("the server closed before " + what + "; it sent " + events);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("timed out waiting for " + what + "; the server sent " + events);
  }

  /** Waits (30 s at most) until the server closed the connection. */
  void awaitEnd() {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (!ended) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("the server did not close; it sent " + events);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  long count(Predicate<String> line) {
    return events.stream().filter(line).count();
  }

  private void readLoop() {
    RecordingFrameListener listener = new RecordingFrameListener() {
      @Override
      public boolean onDataBegin(int streamId, int length, boolean endStream) {
        super.onDataBegin(streamId, length, endStream);
        return true;
      }
    };
    FrameReader frames = new FrameReader(listener, false, 16_777_215, 1 << 24, 1 << 20);
    byte[] buf = new byte[64 * 1024];
    try {
      InputStream in = socket.getInputStream();
      while (true) {
        int n;
        try {
          n = in.read(buf);
        } catch (SocketTimeoutException idle) {
          continue;
        }
        if (n < 0) {
          break;
        }
        frames.read(ByteBuffer.wrap(buf, 0, n));
        synchronized (listener.events) {
          events.addAll(listener.events);
          listener.events.clear();
        }
      }
    } catch (IOException | RuntimeException e) {
      // reset or closed: the end
    } finally {
      ended = true;
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing
    }
    try {
      reader.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
