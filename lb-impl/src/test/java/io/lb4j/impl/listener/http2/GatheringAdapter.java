package io.lb4j.impl.listener.http2;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;

/** Test helper: a gathering channel over a plain one that takes at most {@code max} bytes per write. */
final class GatheringAdapter implements GatheringByteChannel {
  private final WritableByteChannel target;
  private final int max;

  GatheringAdapter(WritableByteChannel target, int max) {
    this.target = target;
    this.max = max;
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length && total < max; i++) {
      ByteBuffer b = srcs[i];
      int n = (int) Math.min(b.remaining(), max - total);
      ByteBuffer part = b.duplicate();
      part.limit(part.position() + n);
      target.write(part);
      b.position(b.position() + n);
      total += n;
    }
    return total;
  }

  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    return write(srcs, 0, srcs.length);
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    return (int) write(new ByteBuffer[] {src}, 0, 1);
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public void close() {
    // Nothing to close.
  }
}
