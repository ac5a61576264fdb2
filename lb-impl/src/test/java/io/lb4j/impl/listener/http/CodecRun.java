package io.lb4j.impl.listener.http;

import io.lb4j.impl.listener.HttpLimits;
import java.nio.ByteBuffer;

/**
 * Test helper: runs a request's bytes through the head parser and the body scanner, in pieces of a
 * given size, the way a listener would, and reports the verdict.
 */
final class CodecRun {

  /** The outcome: the status the codec asks for (0 when the request was accepted) and where. */
  record Verdict(int status, String reason, MalformedRequests.Stage stage, int bytesConsumed) {}

  private CodecRun() {}

  /** Feeds {@code request} in pieces of {@code pieceSize} bytes (the last may be shorter). */
  static Verdict run(byte[] request, int pieceSize, HttpLimits limits) {
    RequestHeadParser parser = new RequestHeadParser(limits);
    BodyScanner body = new BodyScanner(limits);
    int offset = 0;
    boolean headDone = false;
    while (offset < request.length) {
      int length = Math.min(pieceSize, request.length - offset);
      ByteBuffer piece = ByteBuffer.wrap(request, offset, length);
      if (!headDone) {
        ParseResult result = parser.parse(piece);
        if (result == ParseResult.ERROR) {
          return new Verdict(parser.errorStatus(), parser.errorReason(), MalformedRequests.Stage.HEAD,
              piece.position());
        }
        if (result == ParseResult.COMPLETE) {
          headDone = true;
          body.start(parser.head().framing(), parser.head().contentLength());
        }
      }
      if (headDone && piece.hasRemaining()) {
        int n = body.scan(piece);
        if (body.isError()) {
          return new Verdict(body.errorStatus(), body.errorReason(), MalformedRequests.Stage.BODY,
              piece.position() + n);
        }
        piece.position(piece.position() + n);
        if (body.isComplete()) {
          return new Verdict(0, null, null, piece.position());
        }
      }
      offset = piece.position();
    }
    if (headDone && body.isComplete()) {
      return new Verdict(0, null, null, offset);
    }
    return new Verdict(-1, "incomplete", null, offset);
  }
}
