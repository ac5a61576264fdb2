package io.lb4j.benchmarks.listener;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The client side of {@link IdleConnectionsHarness}, in its own JVM so its sockets do not count in the
 * measured heap: opens {@code count} connections to {@code host:port} (TLS when asked, handshake done),
 * on each sends one keep-alive {@code GET} and reads its answer ({@code request}), or writes the first
 * {@code N} bytes of a head that never ends ({@code partial:N}), or nothing ({@code none}), or speaks HTTP/2
 * ({@code h2}: h2 chosen by ALPN over TLS, h2c with prior knowledge in clear; the preface, SETTINGS, one
 * {@code GET} on stream 1 read to its end, SETTINGS acknowledged, in raw frames); prints
 * {@code ready OPENED failed FAILED}, then holds every connection open until its standard input ends.
 *
 * <pre>
 * java -cp benchmarks.jar io.lb4j.benchmarks.listener.IdleClients 127.0.0.1 8080 4000 tls request
 * </pre>
 */
public final class IdleClients {
  private IdleClients() {}

  public static void main(String[] args) throws Exception {
    String host = args[0];
    int port = Integer.parseInt(args[1]);
    int count = Integer.parseInt(args[2]);
    boolean tls = args[3].equals("tls");
    String mode = args[4];
    SSLContext context = tls ? SelfSignedTls.trustingClientContext() : null;
    List<Socket> open = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      threads.execute(() -> {
        while (next.getAndIncrement() < count) {
          try {
            open.add(connect(host, port, context, mode));
          } catch (IOException e) {
            if (failed.incrementAndGet() <= 3) {
              System.err.println("connection failed: " + e);
            }
          }
        }
      });
    }
    threads.shutdown();
    threads.awaitTermination(1, TimeUnit.HOURS);
    System.out.println("ready " + open.size() + " failed " + failed.get());
    System.out.flush();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    while (in.readLine() != null) {
      // hold the connections until the harness closes our input
    }
    for (Socket s : open) {
      s.close();
    }
  }

  private static Socket connect(String host, int port, SSLContext context, String mode) throws IOException {
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(host, port), 30_000);
      s.setSoTimeout(60_000);
      if (context != null) {
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(s, host, port, true);
        if (mode.equals("h2")) {
          javax.net.ssl.SSLParameters p = tls.getSSLParameters();
          p.setApplicationProtocols(new String[] {"h2"});
          tls.setSSLParameters(p);
        }
        tls.startHandshake();
        s = tls;
      }
      OutputStream out = s.getOutputStream();
      if (mode.equals("h2")) {
        http2Get(s, context != null);
      } else if (mode.equals("request")) {
        out.write("GET / HTTP/1.1\r\nHost: harness\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        readResponse(s.getInputStream());
      } else if (mode.startsWith("partial:")) {
        int bytes = Integer.parseInt(mode.substring("partial:".length()));
        StringBuilder head = new StringBuilder("GET / HTTP/1.1\r\nHost: harness\r\n");
        while (head.length() < bytes) {
          head.append("X-Fill: ").append("a".repeat(Math.max(1, Math.min(1000, bytes - head.length() - 10))))
              .append("\r\n");
        }
        out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
      return s;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  /**
   * HTTP/2 in raw frames: the preface, an empty SETTINGS, a GET on stream 1 (HPACK: static-table indices and
   * one literal authority), then frames until stream 1 ends, acknowledging the server's SETTINGS.
   */
  private static void http2Get(Socket s, boolean tls) throws IOException {
    OutputStream out = s.getOutputStream();
    byte[] authority = "harness".getBytes(StandardCharsets.US_ASCII);
    byte[] block = new byte[4 + 2 + authority.length];
    block[0] = (byte) 0x82; // :method GET
    block[1] = (byte) (tls ? 0x87 : 0x86); // :scheme https / http
    block[2] = (byte) 0x84; // :path /
    block[3] = 0x41; // :authority, literal with incremental indexing, name from the static table
    block[4] = (byte) authority.length;
    System.arraycopy(authority, 0, block, 5, authority.length);
    int blockLength = 5 + authority.length;
    java.io.ByteArrayOutputStream hello = new java.io.ByteArrayOutputStream();
    hello.writeBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    hello.writeBytes(frameHeader(0, 0x4, 0, 0));
    hello.writeBytes(frameHeader(blockLength, 0x1, 0x5, 1));
    hello.write(block, 0, blockLength);
    out.write(hello.toByteArray());
    out.flush();
    InputStream in = s.getInputStream();
    byte[] header = new byte[9];
    while (true) {
      readFully(in, header);
      int length = ((header[0] & 0xFF) << 16) | ((header[1] & 0xFF) << 8) | (header[2] & 0xFF);
      int type = header[3] & 0xFF;
      int flags = header[4] & 0xFF;
      int stream = ((header[5] & 0x7F) << 24) | ((header[6] & 0xFF) << 16) | ((header[7] & 0xFF) << 8)
          | (header[8] & 0xFF);
      readFully(in, new byte[length]);
      if (type == 0x4 && (flags & 0x1) == 0) {
        out.write(frameHeader(0, 0x4, 0x1, 0)); // SETTINGS ACK
        out.flush();
      } else if (type == 0x7) {
        throw new IOException("GOAWAY from the server");
      } else if (stream == 1 && (type == 0x0 || type == 0x1) && (flags & 0x1) != 0) {
        return; // END_STREAM on stream 1: the response is complete
      }
    }
  }

  private static byte[] frameHeader(int length, int type, int flags, int stream) {
    return new byte[] {(byte) (length >>> 16), (byte) (length >>> 8), (byte) length, (byte) type, (byte) flags,
        (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
  }

  private static void readFully(InputStream in, byte[] b) throws IOException {
    int at = 0;
    while (at < b.length) {
      int n = in.read(b, at, b.length - at);
      if (n < 0) {
        throw new IOException("connection closed in an HTTP/2 frame");
      }
      at += n;
    }
  }

  /** Reads a head and a Content-Length body. */
  private static void readResponse(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        throw new IOException("connection closed before a response (" + head + ")");
      }
      head.append((char) c);
    }
    String lower = head.toString().toLowerCase(java.util.Locale.ROOT);
    int i = lower.indexOf("content-length:");
    int length = i < 0 ? 0 : Integer.parseInt(lower.substring(i + 15, lower.indexOf('\r', i)).trim());
    for (int n = 0; n < length; n++) {
      if (in.read() < 0) {
        throw new IOException("connection closed in the body");
      }
    }
    if (!head.toString().startsWith("HTTP/1.1 200")) {
      throw new IOException("status " + head.substring(0, head.indexOf("\r")));
    }
  }
}
