package io.lb4j.impl.listener.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The short responses the listener writes itself: an error with its status line, {@code Content-Type},
 * {@code Content-Length}, {@code Connection: close} and a one-line body naming the reason (for example
 * {@code 400 Bad Request: both Content-Length and Transfer-Encoding}), and the interim
 * {@code 100 Continue}. Stateless and thread-safe.
 *
 * @since 0.1.0
 */
public final class HttpErrorResponses {

  private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private HttpErrorResponses() {}

  /**
   * A complete error response that closes the connection. Control characters in {@code reason}
   * become '?'. Allocates (errors are off the hot path).
   *
   * @param status 400-599
   * @param reason a short reason, shown to the client
   */
  public static byte[] errorResponse(int status, String reason) {
    if (status < 400 || status > 599) {
      throw new IllegalArgumentException("status must be between 400 and 599, was " + status);
    }
    Objects.requireNonNull(reason, "reason");
    String phrase = reasonPhrase(status);
    StringBuilder body = new StringBuilder(phrase.length() + reason.length() + 8)
        .append(status).append(' ').append(phrase).append(": ");
    for (int i = 0; i < reason.length(); i++) {
      char c = reason.charAt(i);
      body.append(c < 0x20 || c == 0x7F ? '?' : c);
    }
    byte[] bodyBytes = body.append('\n').toString().getBytes(StandardCharsets.UTF_8);
    String head = "HTTP/1.1 " + status + ' ' + phrase + "\r\n"
        + "Content-Type: text/plain; charset=utf-8\r\n"
        + "Content-Length: " + bodyBytes.length + "\r\n"
        + "Connection: close\r\n\r\n";
    byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
    byte[] response = new byte[headBytes.length + bodyBytes.length];
    System.arraycopy(headBytes, 0, response, 0, headBytes.length);
    System.arraycopy(bodyBytes, 0, response, headBytes.length, bodyBytes.length);
    return response;
  }

  /** {@code HTTP/1.1 100 Continue} and the empty line, as a read-only buffer of its own. */
  public static ByteBuffer continueResponse() {
    return ByteBuffer.wrap(CONTINUE).asReadOnlyBuffer();
  }

  /** The reason phrase of RFC 9110 (and RFC 6585 for 431, RFC 5842 for 508) for {@code status}. */
  public static String reasonPhrase(int status) {
    switch (status) {
      case 400: return "Bad Request";
      case 403: return "Forbidden";
      case 404: return "Not Found";
      case 408: return "Request Timeout";
      case 413: return "Content Too Large";
      case 414: return "URI Too Long";
      case 417: return "Expectation Failed";
      case 429: return "Too Many Requests";
      case 431: return "Request Header Fields Too Large";
      case 500: return "Internal Server Error";
      case 501: return "Not Implemented";
      case 502: return "Bad Gateway";
      case 503: return "Service Unavailable";
      case 504: return "Gateway Timeout";
      case 505: return "HTTP Version Not Supported";
      case 508: return "Loop Detected";
      default: return status < 500 ? "Client Error" : "Server Error";
    }
  }
}
