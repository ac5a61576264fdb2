package io.lb4j.benchmarks.http2;

import io.lb4j.impl.listener.http2.HpackDecoder;
import io.lb4j.impl.listener.http2.HpackEncoder;
import io.lb4j.impl.listener.http2.Http2Headers;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What decoding one HPACK header block costs a connection, in time and in bytes allocated: a typical
 * browser request of 10 fields, on a connection that has seen it before.
 *
 * <p>{@code block}: {@code INDEXED} is the request as a browser's encoder sends it the second time, every
 * field a one-byte reference to the dynamic table; {@code LITERAL} is its first time, every field a
 * Huffman-coded literal added to the table (the block is safe to repeat: it references only the static
 * table, and re-adding its fields leaves the table as it was).
 *
 * <p>{@code impl}: {@code LB4J} ({@link HpackDecoder} into a reused {@link Http2Headers}) or {@code NETTY}
 * ({@code DefaultHttp2HeadersDecoder}, the public entry to Netty's {@code HpackDecoder}, header validation
 * off as lb4j's decoder does none: lb4j checks fields separately). Both in one run; compare ops/us and
 * {@code gc.alloc.rate.norm} (bytes per decoded block). Run:
 *
 * <pre>
 * java -jar lb-benchmarks/target/benchmarks.jar HpackDecodeBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HpackDecodeBenchmark {

  /** The decoder under test. */
  public enum Impl {
    /** lb4j's decoder. */
    LB4J,
    /** Netty's decoder. */
    NETTY
  }

  /** The block decoded. */
  public enum Block {
    /** Every field a dynamic-table reference. */
    INDEXED,
    /** Every field a Huffman-coded literal with incremental indexing. */
    LITERAL
  }

  @Param
  Impl impl;

  @Param
  Block block;

  private byte[] bytes;
  private HpackDecoder lb4j;
  private Http2Headers out;
  private DefaultHttp2HeadersDecoder netty;
  private ByteBuf nettyIn;

  /** Encodes the request, primes both decoders' tables and checks they decode the same fields. */
  @Setup
  public void setUp() throws Http2Exception {
    Http2Headers request = new Http2Headers().add(":method", "GET").add(":scheme", "https")
        .add(":authority", "shop.example.com").add(":path", "/products/42?ref=home")
        .add("user-agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0")
        .add("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8")
        .add("accept-encoding", "gzip, deflate, br").add("accept-language", "en-US,en;q=0.9,de;q=0.8")
        .add("referer", "https://shop.example.com/").add("x-request-id", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6");
    HpackEncoder encoder = new HpackEncoder(4096);
    // encode() before buffer(): encoding may replace the array.
    int length = encoder.encode(request);
    byte[] first = Arrays.copyOf(encoder.buffer(), length);
    length = encoder.encode(request);
    byte[] second = Arrays.copyOf(encoder.buffer(), length);
    bytes = block == Block.INDEXED ? second : first;

    lb4j = new HpackDecoder(4096, 32768);
    out = new Http2Headers();
    netty = new DefaultHttp2HeadersDecoder(false, 32768);
    nettyIn = Unpooled.wrappedBuffer(bytes);
    // Prime both tables with the first block, as on a connection that has seen the request before.
    lb4j.decode(first, 0, first.length, out);
    netty.decodeHeaders(1, Unpooled.wrappedBuffer(first));

    int lb4jFields = decodeLb4j();
    int nettyFields = decodeNetty();
    if (lb4jFields != request.size() || nettyFields != request.size()
        || !out.toString().equals(request.toString())) {
      throw new IllegalStateException(impl + " decoded " + lb4jFields + "/" + nettyFields + " fields: " + out);
    }
  }

  /** Decodes one block; returns the number of fields. */
  @Benchmark
  public int decode() throws Http2Exception {
    return impl == Impl.LB4J ? decodeLb4j() : decodeNetty();
  }

  private int decodeLb4j() {
    if (lb4j.decode(bytes, 0, bytes.length, out) != HpackDecoder.OK) {
      throw new IllegalStateException(lb4j.errorReason());
    }
    return out.size();
  }

  private int decodeNetty() throws Http2Exception {
    nettyIn.readerIndex(0);
    return netty.decodeHeaders(1, nettyIn).size();
  }
}
