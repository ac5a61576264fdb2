package io.lb4j.impl.listener.http2;

import java.nio.charset.StandardCharsets;

/** Wire constants of RFC 9113: frame types, flags, settings identifiers and the connection preface. */
final class Http2Frames {

  static final int HEADER_LENGTH = 9;

  static final int DATA = 0x0;
  static final int HEADERS = 0x1;
  static final int PRIORITY = 0x2;
  static final int RST_STREAM = 0x3;
  static final int SETTINGS = 0x4;
  static final int PUSH_PROMISE = 0x5;
  static final int PING = 0x6;
  static final int GOAWAY = 0x7;
  static final int WINDOW_UPDATE = 0x8;
  static final int CONTINUATION = 0x9;

  static final int FLAG_END_STREAM = 0x1;
  static final int FLAG_ACK = 0x1;
  static final int FLAG_END_HEADERS = 0x4;
  static final int FLAG_PADDED = 0x8;
  static final int FLAG_PRIORITY = 0x20;

  static final int SETTINGS_HEADER_TABLE_SIZE = 0x1;
  static final int SETTINGS_ENABLE_PUSH = 0x2;
  static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
  static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
  static final int SETTINGS_MAX_FRAME_SIZE = 0x5;
  static final int SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;
  static final int SETTINGS_ENABLE_CONNECT_PROTOCOL = 0x8;
  static final int SETTINGS_NO_RFC7540_PRIORITIES = 0x9;

  /** The protocol's initial values (RFC 9113 section 6.5.2). */
  static final int DEFAULT_HEADER_TABLE_SIZE = 4096;
  static final int DEFAULT_INITIAL_WINDOW_SIZE = 65535;
  static final int DEFAULT_MAX_FRAME_SIZE = 16384;
  static final int MAX_FRAME_SIZE_UPPER_BOUND = 16_777_215;
  static final int MAX_WINDOW = Integer.MAX_VALUE;

  /** What a client sends first (RFC 9113 section 3.4). */
  static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private Http2Frames() {}

  static String typeName(int type) {
    switch (type) {
      case DATA:
        return "DATA";
      case HEADERS:
        return "HEADERS";
      case PRIORITY:
        return "PRIORITY";
      case RST_STREAM:
        return "RST_STREAM";
      case SETTINGS:
        return "SETTINGS";
      case PUSH_PROMISE:
        return "PUSH_PROMISE";
      case PING:
        return "PING";
      case GOAWAY:
        return "GOAWAY";
      case WINDOW_UPDATE:
        return "WINDOW_UPDATE";
      case CONTINUATION:
        return "CONTINUATION";
      default:
        return "frame type " + type;
    }
  }
}
