package io.lb4j.testing;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hands out loopback addresses, one per backend, so that tests can tell backends (and per-address behaviour)
 * apart by address. Linux routes all of 127.0.0.0/8 to loopback; ports are ephemeral, so reusing an address after
 * the 64,000 this cycles through never collides.
 */
final class LoopbackAddresses {

  private static final int PER_BLOCK = 250;
  private static final int BLOCKS = 256;
  private static final AtomicInteger NEXT = new AtomicInteger();

  private LoopbackAddresses() {}

  /** The next address from 127.0.0.2 on: 127.0.0.2 ... 127.0.0.251, 127.0.1.2 ... and around again. */
  static String next() {
    int n = Math.floorMod(NEXT.getAndIncrement(), PER_BLOCK * BLOCKS);
    return "127.0." + (n / PER_BLOCK) + "." + (2 + n % PER_BLOCK);
  }
}
