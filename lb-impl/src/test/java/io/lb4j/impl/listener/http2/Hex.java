package io.lb4j.impl.listener.http2;

import java.util.HexFormat;

/** Test helper: hex strings (spaces ignored) to bytes and back. */
final class Hex {
  private Hex() {}

  static byte[] bytes(String hex) {
    return HexFormat.of().parseHex(hex.replace(" ", ""));
  }

  static String of(byte[] b, int off, int len) {
    return HexFormat.of().formatHex(b, off, off + len);
  }
}
