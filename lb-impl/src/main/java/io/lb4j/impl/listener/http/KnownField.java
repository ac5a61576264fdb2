package io.lb4j.impl.listener.http;

/**
 * The fields the codec acts on, classified once per field line while a head is parsed so that the
 * rewrite and the framing decisions compare small integers instead of names. Stateless and thread-safe.
 */
final class KnownField {

  static final byte OTHER = 0;
  static final byte HOST = 1;
  static final byte CONTENT_LENGTH = 2;
  static final byte TRANSFER_ENCODING = 3;
  static final byte CONNECTION = 4;
  static final byte KEEP_ALIVE = 5;
  static final byte PROXY_CONNECTION = 6;
  static final byte TE = 7;
  static final byte UPGRADE = 8;
  static final byte EXPECT = 9;
  static final byte VIA = 10;
  static final byte COOKIE = 11;
  static final byte X_FORWARDED_FOR = 12;
  static final byte X_FORWARDED_PROTO = 13;
  static final byte X_FORWARDED_PORT = 14;
  static final byte X_REAL_IP = 15;
  static final byte PROXY_AUTHORIZATION = 16;
  static final byte PROXY_AUTHENTICATE = 17;
  static final byte HTTP2_SETTINGS = 18;
  /**
   * Not a name: any other field whose name contains '_'. Some servers read '_' as '-' ({@code Transfer_Encoding}
   * as {@code Transfer-Encoding}), so such fields are dropped from requests unless the listener allows them
   * (nginx's {@code underscores_in_headers}).
   */
  static final byte UNDERSCORED = 100;

  /** Lower-case names indexed by kind; index 0 (OTHER) is unused. */
  private static final byte[][] NAMES = {
      null,
      HttpChars.ascii("host"),
      HttpChars.ascii("content-length"),
      HttpChars.ascii("transfer-encoding"),
      HttpChars.ascii("connection"),
      HttpChars.ascii("keep-alive"),
      HttpChars.ascii("proxy-connection"),
      HttpChars.ascii("te"),
      HttpChars.ascii("upgrade"),
      HttpChars.ascii("expect"),
      HttpChars.ascii("via"),
      HttpChars.ascii("cookie"),
      HttpChars.ascii("x-forwarded-for"),
      HttpChars.ascii("x-forwarded-proto"),
      HttpChars.ascii("x-forwarded-port"),
      HttpChars.ascii("x-real-ip"),
      HttpChars.ascii("proxy-authorization"),
      HttpChars.ascii("proxy-authenticate"),
      HttpChars.ascii("http2-settings"),
  };

  private KnownField() {}

  /** The kind of the field named {@code b[start, end)}, case-insensitively; {@link #OTHER} if none. */
  static byte classify(byte[] b, int start, int end) {
    int length = end - start;
    for (int kind = 1; kind < NAMES.length; kind++) {
      // The length check rejects almost every candidate before any byte is compared.
      if (NAMES[kind].length == length && HttpChars.equalsIgnoreCase(b, start, end, NAMES[kind])) {
        return (byte) kind;
      }
    }
    return OTHER;
  }

  /**
   * True for the fields a proxy never forwards: those RFC 9110 section 7.6.1 calls connection-specific
   * and the proxy credentials meant for this hop. {@code Transfer-Encoding} is not among them because the
   * proxy forwards bodies unchanged, framing included; {@code Upgrade} and {@code HTTP2-Settings} (the h2c
   * upgrade's settings, connection-specific by RFC 7540 section 3.2.1) are forwarded only for an upgrade.
   */
  static boolean isHopByHop(byte kind) {
    return kind == CONNECTION || kind == KEEP_ALIVE || kind == PROXY_CONNECTION || kind == TE
        || kind == UPGRADE || kind == PROXY_AUTHORIZATION || kind == PROXY_AUTHENTICATE || kind == HTTP2_SETTINGS;
  }

  /** True for the fields that go with an upgrade when the proxy forwards one. */
  static boolean isUpgradeField(byte kind) {
    return kind == UPGRADE || kind == HTTP2_SETTINGS;
  }

  /** True for the fields that frame a message or route it; a {@code Connection} header may not name them. */
  static boolean isProtected(byte kind) {
    return kind == HOST || kind == CONTENT_LENGTH || kind == TRANSFER_ENCODING;
  }
}
