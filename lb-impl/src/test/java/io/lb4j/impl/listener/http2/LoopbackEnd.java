package io.lb4j.impl.listener.http2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * Test helper: one end of a real loopback TCP connection driven the way a listener's event loop will
 * drive it: a thread with a selector owns the socket and the {@link Http2Connection}, reads into a
 * direct buffer, feeds the connection, writes what it queued with gathering writes, and waits for
 * OP_WRITE when the socket is full. Other threads only hand it tasks.
 */
final class LoopbackEnd implements AutoCloseable {

  final CountingBufferPool pool = new CountingBufferPool(16 * 1024);
  final Http2Connection connection;
  private final SocketChannel channel;
  private final Selector selector;
  private final SelectionKey key;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final ByteBuffer in = ByteBuffer.allocateDirect(16 * 1024);
  private final Thread thread;
  private volatile boolean stop;
  volatile Throwable failure;

  LoopbackEnd(SocketChannel channel, Function<Http2BufferPool, Http2Connection> factory, String name)
      throws IOException {
    this.channel = channel;
    channel.configureBlocking(false);
    this.selector = Selector.open();
    this.key = channel.register(selector, SelectionKey.OP_READ);
    this.connection = factory.apply(pool);
    this.thread = new Thread(this::loop, name);
    thread.setDaemon(true);
  }

  void start() {
    execute(connection::start);
    thread.start();
  }

  /** Runs {@code task} on the loop's thread. */
  void execute(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  private void loop() {
    try {
      while (!stop) {
        selector.select(100);
        for (Runnable task; (task = tasks.poll()) != null; ) {
          task.run();
        }
        if (key.isValid() && key.isReadable()) {
          int n = channel.read(in);
          if (n < 0) {
            break;
          }
          in.flip();
          connection.receive(in);
          in.clear();
        }
        selector.selectedKeys().clear();
        flush();
      }
    } catch (Throwable t) {
      failure = t;
    } finally {
      connection.close();
      try {
        channel.close();
        selector.close();
      } catch (IOException ignored) {
        // closing anyway
      }
    }
  }

  private void flush() throws IOException {
    while (connection.hasOutput()) {
      if (connection.flushTo(channel) == 0) {
        break;
      }
    }
    key.interestOps(connection.hasOutput() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
  }

  @Override
  public void close() throws InterruptedException {
    stop = true;
    selector.wakeup();
    thread.join(10_000);
  }
}
