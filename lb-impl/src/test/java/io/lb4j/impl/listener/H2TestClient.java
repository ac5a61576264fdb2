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
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Test helper: an HTTP/2 client with prior knowledge (h2c) over a real socket, built on lb4j's own
 * {@link Http2Connection} client side, which phase 1 tested against nghttp2, curl and python-h2. A reader
 * thread feeds the connection; requests open streams under the same lock. Each response completes a future
 * with its status, fields, body, trailers, or the reset that ended it.
 */
final class H2TestClient implements AutoCloseable {

  /** A response as received: its final head's fields, its body and trailers; or the code that reset it. */
  record Response(int status, List<String[]> headers, byte[] body, List<String[]> trailers, Http2ErrorCode reset) {
    String header(String name) {
      for (String[] f : headers) {
        if (f[0].equals(name)) {
          return f[1];
        }
      }
      return null;
    }

    String trailer(String name) {
      if (trailers == null) {
        return null;
      }
      for (String[] f : trailers) {
        if (f[0].equals(name)) {
          return f[1];
        }
      }
      return null;
    }

    String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }
  }

  private final SocketChannel channel;
  private final Http2Connection conn;
  private final Object lock = new Object();
  private final Thread reader;
  private volatile boolean closed;
  /** The GOAWAY the server sent: its error code, or null. */
  volatile Http2ErrorCode goAway;
  volatile int goAwayLastStreamId = -1;
  final CompletableFuture<Void> ended = new CompletableFuture<>();

  /** The response to the request sent with the preface ({@link #connectSending}), or null. */
  private final CompletableFuture<Response> first;

  private H2TestClient(InetSocketAddress address, Http2Limits limits, Http2Headers firstRequest)
      throws IOException {
    channel = SocketChannel.open(address);
    conn = Http2Connection.client(limits, new Handler(), Http2BufferPool.unpooled(16 * 1024), System::nanoTime);
    synchronized (lock) {
      conn.start();
      if (firstRequest != null) {
        // Before the reader starts, so before the server's SETTINGS are known here: its limits cannot hold
        // the request back (RFC 9113 section 3.4 lets a client send at once, after its preface).
        Call call = new Call(null, null);
        conn.openStream(firstRequest, true).attach(call);
        first = call.future;
      } else {
        first = null;
      }
      flush();
    }
    reader = new Thread(this::readLoop, "h2-test-client");
    reader.setDaemon(true);
    reader.start();
  }

  static H2TestClient connect(InetSocketAddress address) {
    return connect(address, Http2Limits.defaults());
  }

  /** A client whose SETTINGS announce {@code limits} (its SETTINGS_MAX_HEADER_LIST_SIZE among them). */
  static H2TestClient connect(InetSocketAddress address, Http2Limits limits) {
    try {
      return new H2TestClient(address, limits, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A client that sends {@code request} (ended with its headers) right after its preface, before it reads
   * the server's SETTINGS: a list over the server's SETTINGS_MAX_HEADER_LIST_SIZE still goes out, as from a
   * client that does not wait. {@link #first()} is its response.
   */
  static H2TestClient connectSending(InetSocketAddress address, Http2Headers request) {
    try {
      return new H2TestClient(address, Http2Limits.defaults(), request);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The response to the request {@link #connectSending} sent. */
  CompletableFuture<Response> first() {
    return first;
  }

  /** Request headers for {@code method} and {@code path}, authority {@code example.test}. */
  static Http2Headers request(String method, String path) {
    return new Http2Headers().add(":method", method).add(":scheme", "http").add(":authority", "example.test")
        .add(":path", path);
  }

  /** Sends a GET and waits for its response. */
  Response get(String path) {
    return await(send(request("GET", path), null));
  }

  /** Opens a stream with {@code headers} and sends {@code body} (null: none), waiting for room to open one. */
  CompletableFuture<Response> send(Http2Headers headers, byte[] body) {
    return send(headers, body, null);
  }

  /** As {@link #send(Http2Headers, byte[])}, then ends the request with {@code trailers} (null: none). */
  CompletableFuture<Response> send(Http2Headers headers, byte[] body, Http2Headers trailers) {
    Call call = new Call(body == null ? null : ByteBuffer.wrap(body), trailers);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      synchronized (lock) {
        if (conn.canOpenStream()) {
          Http2Stream s = conn.openStream(headers, body == null && trailers == null);
          s.attach(call);
          call.sendMore(s);
          flush();
          return call.future;
        }
        if (!conn.isOpen() || conn.isGoAwayReceived()) {
          call.future.completeExceptionally(new IOException("the connection cannot open a stream"));
          return call.future;
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("no stream could be opened within 30s");
      }
      Thread.onSpinWait();
      try {
        Thread.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** Resets stream-less: sends RST_STREAM on the stream of {@code future} (for cancellation tests). */
  static Response await(CompletableFuture<Response> future) {
    try {
      return future.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("no response", e);
    }
  }

  private void flush() {
    try {
      while (conn.hasOutput()) {
        conn.flushTo(channel);
      }
    } catch (IOException e) {
      // the server closed: the reader sees the end
    }
  }

  private void readLoop() {
    ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
    try {
      while (!closed) {
        buf.clear();
        int n = channel.read(buf);
        if (n < 0) {
          break;
        }
        buf.flip();
        synchronized (lock) {
          conn.receive(buf);
          flush();
        }
      }
    } catch (IOException e) {
      // closed
    } finally {
      synchronized (lock) {
        conn.close();
      }
      ended.complete(null);
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing
    }
    try {
      reader.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static List<String[]> fields(Http2Headers h) {
    List<String[]> list = new ArrayList<>();
    for (int i = 0; i < h.size(); i++) {
      list.add(new String[] {h.name(i), h.value(i)});
    }
    return list;
  }

  private static final class Call {
    final CompletableFuture<Response> future = new CompletableFuture<>();
    final ByteBuffer body;
    /** Request trailers to end with once the body went out, or null. */
    final Http2Headers trailers;
    boolean trailersSent;
    final ByteArrayOutputStream received = new ByteArrayOutputStream();
    int status;
    List<String[]> headers = List.of();

    Call(ByteBuffer body, Http2Headers trailers) {
      this.body = body;
      this.trailers = trailers;
    }

    void sendMore(Http2Stream s) {
      if (body != null && body.hasRemaining()) {
        s.sendData(body, trailers == null);
      }
      if (trailers != null && !trailersSent && (body == null || !body.hasRemaining())) {
        trailersSent = true;
        s.sendTrailers(trailers);
      }
    }

    void complete(List<String[]> trailers, Http2ErrorCode reset) {
      future.complete(new Response(status, headers, received.toByteArray(), trailers, reset));
    }
  }

  private final class Handler implements Http2Handler {
    @Override
    public void onHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
      Call c = (Call) stream.attachment();
      int status = Integer.parseInt(headers.get(":status"));
      if (status < 200) {
        return;
      }
      c.status = status;
      c.headers = fields(headers);
      if (endStream) {
        c.complete(null, null);
      }
    }

    @Override
    public void onData(Http2Stream stream, ByteBuffer data, boolean endStream) {
      Call c = (Call) stream.attachment();
      int n = data.remaining();
      byte[] b = new byte[n];
      data.get(b);
      c.received.writeBytes(b);
      stream.consumed(n);
      if (endStream) {
        c.complete(null, null);
      }
    }

    @Override
    public void onTrailers(Http2Stream stream, Http2Headers trailers) {
      ((Call) stream.attachment()).complete(fields(trailers), null);
    }

    @Override
    public void onReset(Http2Stream stream, Http2ErrorCode code) {
      Call c = (Call) stream.attachment();
      stream.release();
      if (c != null) {
        c.complete(null, code);
      }
    }

    @Override
    public void onWritable(Http2Stream stream) {
      ((Call) stream.attachment()).sendMore(stream);
    }

    @Override
    public void onGoAway(int lastStreamId, Http2ErrorCode code, String debug) {
      goAwayLastStreamId = lastStreamId;
      goAway = code;
    }

    @Override
    public void onConnectionError(Http2ErrorCode code, String reason) {
      goAway = code;
    }
  }
}
