package io.lb4j.impl.listener.http;

import java.nio.charset.StandardCharsets;

/**
 * A parsed HTTP/1.1 message head: its raw bytes, an index of its field lines and the framing decided
 * from them. Reused for every message on a connection: the parser resets it, so reading a head
 * allocates nothing once the buffer has grown to the connection's largest head.
 *
 * <p>Accessors returning {@code String} allocate and are meant for logs and persistence; the codec
 * itself works on the raw bytes. Not thread-safe: owned by one connection's event loop. Valid from a
 * {@link ParseResult#COMPLETE} parse until the parser is reset.
 *
 * @since 0.1.0
 */
public abstract class HttpHead {

  private static final int INITIAL_CAPACITY = 1024;
  private static final int INITIAL_FIELDS = 16;

  /** The raw head as received, from the start line to the final CRLF. */
  byte[] bytes = new byte[INITIAL_CAPACITY];
  int length;
  /** Index just past the start line's CRLF. */
  int startLineEnd;

  /** Per field line: name start, name end, value start, value end (value trimmed of OWS). */
  int[] fieldOffsets = new int[INITIAL_FIELDS * 4];
  byte[] fieldKinds = new byte[INITIAL_FIELDS];
  int fieldCount;

  /** Start and end of each {@code Connection} token other than close, keep-alive and upgrade. */
  int[] connectionTokens = new int[8];
  int connectionTokenCount;
  boolean connectionClose;
  boolean connectionKeepAlive;
  boolean connectionUpgrade;

  int versionMinor;
  BodyFraming framing = BodyFraming.NONE;
  long contentLength = -1;
  int transferEncodingLines;
  int transferCodingCount;
  int chunkedCount;
  boolean lastCodingChunked;
  boolean unknownCoding;

  int errorStatus;
  String errorReason;

  HttpHead() {}

  void reset() {
    length = 0;
    startLineEnd = 0;
    fieldCount = 0;
    connectionTokenCount = 0;
    connectionClose = false;
    connectionKeepAlive = false;
    connectionUpgrade = false;
    versionMinor = 0;
    framing = BodyFraming.NONE;
    contentLength = -1;
    transferEncodingLines = 0;
    transferCodingCount = 0;
    chunkedCount = 0;
    lastCodingChunked = false;
    unknownCoding = false;
    errorStatus = 0;
    errorReason = null;
  }

  /** The number of field lines. */
  public int fieldCount() {
    return fieldCount;
  }

  /** The name of field line {@code i} as received (allocates). */
  public String fieldName(int i) {
    return ascii(fieldOffsets[4 * i], fieldOffsets[4 * i + 1]);
  }

  /** The value of field line {@code i} without surrounding whitespace (allocates; ISO-8859-1). */
  public String fieldValue(int i) {
    return ascii(fieldOffsets[4 * i + 2], fieldOffsets[4 * i + 3]);
  }

  /** True if field line {@code i} is named {@code name}, ignoring case; allocates nothing. */
  public boolean fieldNameIs(int i, String name) {
    int start = fieldOffsets[4 * i];
    int end = fieldOffsets[4 * i + 1];
    if (end - start != name.length()) {
      return false;
    }
    for (int k = 0; k < name.length(); k++) {
      char c = name.charAt(k);
      if (HttpChars.toLower(bytes[start + k]) != (c >= 'A' && c <= 'Z' ? c + 32 : c)) {
        return false;
      }
    }
    return true;
  }

  /** The value of the first field named {@code name} (ignoring case), or null (allocates if found). */
  public String firstValue(String name) {
    for (int i = 0; i < fieldCount; i++) {
      if (fieldNameIs(i, name)) {
        return fieldValue(i);
      }
    }
    return null;
  }

  /** True for HTTP/1.1 (and later 1.x minor versions, treated as 1.1); false for HTTP/1.0. */
  public boolean isHttp11() {
    return versionMinor >= 1;
  }

  /**
   * True if the sender lets the connection stay open after this message: HTTP/1.1 without
   * {@code Connection: close}, or HTTP/1.0 with {@code Connection: keep-alive}. A response read until
   * close never does.
   */
  public boolean keepAlive() {
    if (connectionClose || framing == BodyFraming.UNTIL_CLOSE) {
      return false;
    }
    return versionMinor >= 1 || connectionKeepAlive;
  }

  /** How the body is framed. */
  public BodyFraming framing() {
    return framing;
  }

  /**
   * True when the body is chunked and {@code chunked} is its only transfer coding: removing the chunked
   * framing leaves the content as sent (what a proxy must do for an HTTP/1.0 recipient).
   */
  public boolean chunkedOnly() {
    return framing == BodyFraming.CHUNKED && transferCodingCount == 1;
  }

  /** The body length for {@link BodyFraming#CONTENT_LENGTH}, else -1. */
  public long contentLength() {
    return framing == BodyFraming.CONTENT_LENGTH ? contentLength : -1;
  }

  /** The size of the head in bytes as received, from the start line to the final CRLF. */
  public int headLength() {
    return length;
  }

  final String ascii(int start, int end) {
    return new String(bytes, start, end - start, StandardCharsets.ISO_8859_1);
  }

  final byte kind(int i) {
    return fieldKinds[i];
  }

  final int nameStart(int i) {
    return fieldOffsets[4 * i];
  }

  final int nameEnd(int i) {
    return fieldOffsets[4 * i + 1];
  }

  final int valueStart(int i) {
    return fieldOffsets[4 * i + 2];
  }

  final int valueEnd(int i) {
    return fieldOffsets[4 * i + 3];
  }

  /** True if a {@code Connection} token names field line {@code i}. */
  final boolean namedByConnection(int i) {
    for (int t = 0; t < connectionTokenCount; t++) {
      if (HttpChars.equalsIgnoreCase(bytes, nameStart(i), nameEnd(i), bytes, connectionTokens[2 * t],
          connectionTokens[2 * t + 1])) {
        return true;
      }
    }
    return false;
  }

  /** Bytes held by this head's reused arrays (they grow with the largest head read, and stay). */
  final int retainedBytes() {
    return bytes.length + 4 * fieldOffsets.length + fieldKinds.length + 4 * connectionTokens.length;
  }

  final void append(byte b) {
    if (length == bytes.length) {
      byte[] grown = new byte[bytes.length * 2];
      System.arraycopy(bytes, 0, grown, 0, length);
      bytes = grown;
    }
    bytes[length++] = b;
  }

  final boolean fail(int status, String reason) {
    errorStatus = status;
    errorReason = reason;
    return false;
  }

  final void addField(int nameStart, int nameEnd, int valueStart, int valueEnd, byte kind) {
    if (fieldCount == fieldKinds.length) {
      int[] offsets = new int[fieldOffsets.length * 2];
      System.arraycopy(fieldOffsets, 0, offsets, 0, fieldOffsets.length);
      fieldOffsets = offsets;
      byte[] kinds = new byte[fieldKinds.length * 2];
      System.arraycopy(fieldKinds, 0, kinds, 0, fieldKinds.length);
      fieldKinds = kinds;
    }
    int o = 4 * fieldCount;
    fieldOffsets[o] = nameStart;
    fieldOffsets[o + 1] = nameEnd;
    fieldOffsets[o + 2] = valueStart;
    fieldOffsets[o + 3] = valueEnd;
    fieldKinds[fieldCount++] = kind;
  }

  final void addConnectionToken(int start, int end) {
    if (2 * connectionTokenCount == connectionTokens.length) {
      int[] grown = new int[connectionTokens.length * 2];
      System.arraycopy(connectionTokens, 0, grown, 0, connectionTokens.length);
      connectionTokens = grown;
    }
    connectionTokens[2 * connectionTokenCount] = start;
    connectionTokens[2 * connectionTokenCount + 1] = end;
    connectionTokenCount++;
  }
}
