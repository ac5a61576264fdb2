package io.lb4j.impl.listener;

import io.lb4j.impl.listener.http2.Http2BufferPool;
import io.lb4j.impl.listener.http2.Http2Connection;
import io.lb4j.impl.listener.http2.Http2ErrorCode;
import io.lb4j.impl.listener.http2.Http2Handler;
import io.lb4j.impl.listener.http2.Http2Headers;
import io.lb4j.impl.listener.http2.Http2Stream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test helper: a real h2c backend (HTTP/2 with prior knowledge) on loopback, built on lb4j's own
 * {@link Http2Connection} server side, a thread per connection. Each stream is handed to the current
 * {@link Handler} when its request headers arrive; the handler answers at once, on the request's end, or
 * echoes DATA as it comes (a bidirectional stream), refuses, resets or stays silent. Requests are recorded.
 */
final class H2TestBackend implements AutoCloseable {

  /** A request as received: its header fields and, once ended, its body and trailers. */
  static final class Request {
    final List<String[]> headers;
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    volatile List<String[]> trailers;
    volatile boolean ended;
    final int connection;
    /** The connection's lock and socket: a test acting on the stream from its own thread takes the lock. */
    Object lock;
    SocketChannel socket;
    Http2Connection conn;
    /** Response bytes the stream's window has not taken yet, then the trailers to end with (or null). */
    private final java.util.ArrayDeque<ByteBuffer> unsent = new java.util.ArrayDeque<>();
    private Http2Headers endWith;
    private boolean endWithEmpty;

    Request(List<String[]> headers, int connection) {
      this.headers = headers;
      this.connection = connection;
    }

    String header(String name) {
      for (String[] f : headers) {
        if (f[0].equals(name)) {
          return f[1];
        }
      }
      return null;
    }

    /** Sends {@code data} on {@code stream} within its windows, the rest as the windows open. */
    void send(Http2Stream stream, byte[] data) {
      unsent.add(ByteBuffer.wrap(data));
      pump(stream);
    }

    /** Ends the response with {@code trailers} (null: an empty END_STREAM) once every byte went out. */
    void end(Http2Stream stream, Http2Headers trailers) {
      if (trailers == null) {
        endWithEmpty = true;
      } else {
        endWith = trailers;
      }
      pump(stream);
    }

    /** Runs {@code action} under the connection's lock from any thread, then writes what it queued. */
    void act(Runnable action) {
      synchronized (lock) {
        action.run();
        try {
          flush(conn, socket);
        } catch (IOException e) {
          // the proxy went away
        }
      }
    }

    /** Writes raw bytes on the connection (a frame its state machine would not send); under the lock. */
    void rawWrite(byte[] bytes) {
      try {
        socket.write(ByteBuffer.wrap(bytes));
      } catch (IOException e) {
        // the proxy went away
      }
    }

    void pump(Http2Stream stream) {
      while (!unsent.isEmpty()) {
        ByteBuffer b = unsent.peek();
        if (stream.sendData(b, false) < 0 || b.hasRemaining()) {
          return;
        }
        unsent.poll();
      }
      if (endWith != null) {
        stream.sendTrailers(endWith);
        endWith = null;
      } else if (endWithEmpty) {
        stream.sendData(ByteBuffer.allocate(0), true);
        endWithEmpty = false;
      }
    }
  }

  /** What the backend does with a stream; called on the connection's thread, under its lock. */
  interface Handler {
    /** The request headers arrived. */
    default void headers(Http2Stream stream, Request request, boolean endStream) {}

    /** Request DATA arrived (already credited). */
    default void data(Http2Stream stream, Request request, byte[] data, boolean endStream) {}

    /** The request ended (END_STREAM or trailers): most handlers answer here. */
    default void ended(Http2Stream stream, Request request) {}
  }

  private final ServerSocketChannel server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "h2-test-backend");
    t.setDaemon(true);
    return t;
  });
  private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
  final List<Request> requests = new CopyOnWriteArrayList<>();
  final AtomicInteger connections = new AtomicInteger();
  final AtomicInteger streams = new AtomicInteger();
  final AtomicInteger resetsReceived = new AtomicInteger();
  private volatile Handler handler;
  private final Http2Limits limits;

  H2TestBackend(Handler handler) {
    this(handler, 100);
  }

  H2TestBackend(Handler handler, int maxConcurrentStreams) {
    this(handler, Http2Limits.builder().maxConcurrentStreams(maxConcurrentStreams).build());
  }

  /** A backend whose SETTINGS announce {@code limits} (SETTINGS_MAX_HEADER_LIST_SIZE among them). */
  H2TestBackend(Handler handler, Http2Limits limits) {
    this.handler = handler;
    this.limits = limits;
    try {
      server = ServerSocketChannel.open();
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    threads.execute(this::acceptLoop);
  }

  void handler(Handler h) {
    this.handler = h;
  }

  int port() {
    return server.socket().getLocalPort();
  }

  String host() {
    return "127.0.0.1";
  }

  /** Answers each request, once it ended, with {@code status} and {@code body}. */
  static Handler respond(int status, String body) {
    return new Handler() {
      @Override
      public void ended(Http2Stream stream, Request request) {
        byte[] b = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        stream.sendHeaders(new Http2Headers().add(":status", String.valueOf(status))
            .add("content-length", String.valueOf(b.length)), b.length == 0);
        if (b.length > 0) {
          request.send(stream, b);
          request.end(stream, null);
        }
      }
    };
  }

  /**
   * A gRPC-style echo: response headers at once ({@code content-type} copied), every DATA chunk sent back as it
   * arrives, then trailers {@code grpc-status: 0} when the request ends.
   */
  static Handler echo() {
    return new Handler() {
      @Override
      public void headers(Http2Stream stream, Request request, boolean endStream) {
        String type = request.header("content-type");
        stream.sendHeaders(new Http2Headers().add(":status", "200")
            .add("content-type", type != null ? type : "application/octet-stream"), false);
      }

      @Override
      public void data(Http2Stream stream, Request request, byte[] data, boolean endStream) {
        request.send(stream, data);
      }

      @Override
      public void ended(Http2Stream stream, Request request) {
        request.end(stream, new Http2Headers().add("grpc-status", "0").add("x-echoed",
            String.valueOf(request.body.size())));
      }
    };
  }

  /** Requests held by {@link #hold()} with their streams, answered by {@link #releaseHeld}. */
  final List<Object[]> held = new CopyOnWriteArrayList<>();

  /** Holds every request once it ended, unanswered, until {@link #releaseHeld}. */
  Handler hold() {
    return new Handler() {
      @Override
      public void ended(Http2Stream stream, Request request) {
        held.add(new Object[] {stream, request});
      }
    };
  }

  /** Answers every held request with 200 and {@code body}. */
  void releaseHeld(String body) {
    for (Object[] h : held) {
      Http2Stream stream = (Http2Stream) h[0];
      Request r = (Request) h[1];
      r.act(() -> respond(200, body).ended(stream, r));
    }
    held.clear();
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel s = server.accept();
        int id = connections.incrementAndGet();
        open.add(s);
        threads.execute(() -> serve(s, id));
      } catch (IOException | RuntimeException closed) {
        return;
      }
    }
  }

  private void serve(SocketChannel s, int id) {
    Object lock = new Object();
    Http2Connection[] conn = new Http2Connection[1];
    Http2Handler h = new Http2Handler() {
      @Override
      public void onHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
        streams.incrementAndGet();
        List<String[]> fields = new ArrayList<>();
        for (int i = 0; i < headers.size(); i++) {
          fields.add(new String[] {headers.name(i), headers.value(i)});
        }
        Request r = new Request(fields, id);
        r.lock = lock;
        r.socket = s;
        r.conn = conn[0];
        requests.add(r);
        stream.attach(r);
        handler.headers(stream, r, endStream);
        if (endStream) {
          r.ended = true;
          handler.ended(stream, r);
        }
      }

      @Override
      public void onData(Http2Stream stream, ByteBuffer data, boolean endStream) {
        Request r = (Request) stream.attachment();
        byte[] b = new byte[data.remaining()];
        data.get(b);
        stream.consumed(b.length);
        r.body.writeBytes(b);
        handler.data(stream, r, b, endStream);
        if (endStream) {
          r.ended = true;
          handler.ended(stream, r);
        }
      }

      @Override
      public void onTrailers(Http2Stream stream, Http2Headers trailers) {
        Request r = (Request) stream.attachment();
        List<String[]> fields = new ArrayList<>();
        for (int i = 0; i < trailers.size(); i++) {
          fields.add(new String[] {trailers.name(i), trailers.value(i)});
        }
        r.trailers = fields;
        r.ended = true;
        handler.ended(stream, r);
      }

      @Override
      public void onReset(Http2Stream stream, Http2ErrorCode code) {
        resetsReceived.incrementAndGet();
        stream.release();
      }

      @Override
      public void onWritable(Http2Stream stream) {
        Request r = (Request) stream.attachment();
        if (r != null) {
          r.pump(stream);
        }
      }
    };
    try (s) {
      conn[0] = Http2Connection.server(limits, h, Http2BufferPool.unpooled(16 * 1024), System::nanoTime);
      synchronized (lock) {
        conn[0].start();
        flush(conn[0], s);
      }
      ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
      while (true) {
        buf.clear();
        if (s.read(buf) < 0) {
          return;
        }
        buf.flip();
        synchronized (lock) {
          conn[0].receive(buf);
          flush(conn[0], s);
          if (!conn[0].isOpen()) {
            return;
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      // the peer went away
    } finally {
      open.remove(s);
      synchronized (lock) {
        if (conn[0] != null) {
          conn[0].close();
        }
      }
    }
  }

  private static void flush(Http2Connection c, SocketChannel s) throws IOException {
    while (c.hasOutput()) {
      c.flushTo(s);
    }
  }

  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // closing
    }
    for (SocketChannel s : open) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing
      }
    }
    threads.shutdownNow();
  }
}
