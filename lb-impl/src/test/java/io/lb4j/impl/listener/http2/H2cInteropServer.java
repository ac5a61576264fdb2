package io.lb4j.impl.listener.http2;

import io.lb4j.impl.listener.Http2Limits;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;

/**
 * A manual interop harness, not a test (CI never runs it): serves h2c with prior knowledge from
 * {@link Http2Connection} on one event-loop thread over a plain {@link ServerSocketChannel}, so real
 * clients can be pointed at the state machine. {@code GET} gets 200 "hello"; {@code POST} gets 200 with
 * the byte count of its body; {@code /trailers} adds a trailer; {@code /big} sends 1 MiB.
 *
 * <pre>
 * java -cp lb-impl/target/classes:lb-impl/target/test-classes:$HOME/.m2/repository/org/slf4j/slf4j-api/2.0.20/slf4j-api-2.0.20.jar \
 *   io.lb4j.impl.listener.http2.H2cInteropServer 8443
 * nghttp -v http://127.0.0.1:8443/
 * h2load -n 100000 -c 10 -m 100 http://127.0.0.1:8443/
 * curl --http2-prior-knowledge http://127.0.0.1:8443/
 * </pre>
 */
public final class H2cInteropServer {

  private static final byte[] HELLO = "hello\n".getBytes(StandardCharsets.US_ASCII);
  private static final ByteBuffer BIG = ByteBuffer.allocateDirect(1 << 20);

  private H2cInteropServer() {}

  /** Runs until killed; the only argument is the port (default 8443). */
  public static void main(String[] args) throws IOException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8443;
    Selector selector = Selector.open();
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(new InetSocketAddress("127.0.0.1", port), 1024);
    server.configureBlocking(false);
    server.register(selector, SelectionKey.OP_ACCEPT);
    System.out.println("h2c on 127.0.0.1:" + port);
    ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
    Http2BufferPool pool = new CountingBufferPool(16 * 1024);
    while (true) {
      selector.select(1000);
      Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
      while (keys.hasNext()) {
        SelectionKey key = keys.next();
        keys.remove();
        if (key.isAcceptable()) {
          SocketChannel ch = server.accept();
          if (ch != null) {
            ch.configureBlocking(false);
            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            Http2Connection c = Http2Connection.server(Http2Limits.defaults(), new Responder(), pool,
                System::nanoTime);
            c.start();
            SelectionKey k = ch.register(selector, SelectionKey.OP_READ, c);
            flush(k);
          }
          continue;
        }
        Http2Connection c = (Http2Connection) key.attachment();
        SocketChannel ch = (SocketChannel) key.channel();
        try {
          if (key.isReadable()) {
            int n = ch.read(in);
            if (n < 0) {
              c.close();
              ch.close();
              continue;
            }
            in.flip();
            c.receive(in);
            in.clear();
          }
          flush(key);
          if (!c.isOpen() && !c.hasOutput()) {
            c.close();
            ch.close();
          }
        } catch (IOException e) {
          c.close();
          ch.close();
        }
      }
    }
  }

  private static void flush(SelectionKey key) throws IOException {
    Http2Connection c = (Http2Connection) key.attachment();
    SocketChannel ch = (SocketChannel) key.channel();
    while (c.hasOutput() && c.flushTo(ch) > 0) {
      // keep writing while the socket takes bytes
    }
    key.interestOps(c.hasOutput() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
  }

  /** Answers each request; bodies are counted and credited as they arrive. */
  private static final class Responder implements Http2Handler {
    @Override
    public void onHeaders(Http2Stream stream, Http2Headers headers, boolean endStream) {
      stream.attach(new long[] {0, headers.valueIs(headers.indexOf(":method"), "POST") ? 1 : 0,
          headers.valueIs(headers.indexOf(":path"), "/trailers") ? 1 : 0,
          headers.valueIs(headers.indexOf(":path"), "/big") ? 1 : 0});
      if (endStream) {
        respond(stream);
      }
    }

    @Override
    public void onData(Http2Stream stream, ByteBuffer data, boolean endStream) {
      long[] state = (long[]) stream.attachment();
      int n = data.remaining();
      state[0] += n;
      stream.consumed(n);
      if (endStream) {
        respond(stream);
      }
    }

    @Override
    public void onTrailers(Http2Stream stream, Http2Headers trailers) {
      respond(stream);
    }

    private void respond(Http2Stream stream) {
      long[] state = (long[]) stream.attachment();
      boolean trailers = state[2] == 1;
      if (state[3] == 1) {
        stream.sendHeaders(new Http2Headers().add(":status", "200").add("content-length", Integer.toString(1 << 20)),
            false);
        ByteBuffer body = BIG.duplicate();
        stream.attach(body);
        stream.sendData(body, true);
        return;
      }
      byte[] body = state[1] == 1 ? ("received " + state[0] + " bytes\n").getBytes(StandardCharsets.US_ASCII) : HELLO;
      stream.sendHeaders(new Http2Headers().add(":status", "200").add("content-type", "text/plain"), false);
      stream.sendData(ByteBuffer.wrap(body), !trailers);
      if (trailers) {
        stream.sendTrailers(new Http2Headers().add("x-checksum", "42"));
      }
    }

    @Override
    public void onReset(Http2Stream stream, Http2ErrorCode code) {
      stream.release();
    }

    @Override
    public void onWritable(Http2Stream stream) {
      if (stream.attachment() instanceof ByteBuffer) {
        stream.sendData((ByteBuffer) stream.attachment(), true);
      }
    }
  }
}
