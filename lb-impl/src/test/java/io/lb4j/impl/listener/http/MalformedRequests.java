package io.lb4j.impl.listener.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Test fixture: malformed or ambiguous HTTP/1.1 requests, each with the status a strict proxy answers
 * and the connection closed. Built from RFC 9112 (sections 2.2, 3, 5, 6, 7.1), RFC 9110 and the public
 * request-smuggling research (CL.TE, TE.CL and TE.TE obfuscations as catalogued by James Kettle's "HTTP
 * Desync Attacks" and the PortSwigger labs, chunk-extension and bare-LF findings from the 2023-2024
 * parser-differential papers).
 *
 * <p>Public so that listener tests can replay every case end to end through a running listener and
 * assert the backend received nothing: for {@link Stage#HEAD} cases not a byte; for {@link Stage#BODY}
 * cases (the head is valid, the chunked body is not) never a complete request, because a streaming
 * proxy may already have forwarded the head when the body error arrives.
 */
public final class MalformedRequests {

  /** Where the codec refuses the request. */
  public enum Stage {
    /** The head parser refuses it: nothing may reach the backend. */
    HEAD,
    /** The head is valid, the body scanner refuses the chunked body. */
    BODY
  }

  /**
   * One case.
   *
   * @param name a short identifier
   * @param request the raw bytes a client sends (ISO-8859-1)
   * @param status the status the proxy answers before closing the connection
   * @param stage where the codec refuses it
   * @param reason the codec's reason, as {@code errorReason()} returns it
   * @param why the rule or the attack it comes from
   */
  public record Case(String name, byte[] request, int status, Stage stage, String reason, String why) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final String POST = "POST / HTTP/1.1\r\nHost: a.example\r\n";
  private static final String CHUNKED = POST + "Transfer-Encoding: chunked\r\n\r\n";

  private static final List<Case> CASES;

  static {
    List<Case> c = new ArrayList<>();
    // Framing: CL.TE, TE.CL, TE.TE (RFC 9112 section 6.1, 6.3).
    head(c, "cl_te", POST + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX", 400,
        "both Content-Length and Transfer-Encoding", "CL.TE: both framings (6.1: ought to be handled as an error)");
    head(c, "te_cl", POST + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n", 400,
        "both Content-Length and Transfer-Encoding", "TE.CL: both framings, TE first");
    head(c, "te_xchunked", POST + "Transfer-Encoding: xchunked\r\n\r\n", 400,
        "Transfer-Encoding does not end with chunked", "TE.TE: last coding not chunked");
    head(c, "te_space_before_colon", POST + "Transfer-Encoding : chunked\r\n\r\n", 400,
        "whitespace between field name and colon", "TE.TE: whitespace between name and colon (5.1)");
    head(c, "te_tab_before_colon", POST + "Transfer-Encoding\t: chunked\r\n\r\n", 400,
        "whitespace between field name and colon", "TE.TE: tab between name and colon (5.1)");
    head(c, "te_chunked_identity", POST + "Transfer-Encoding: chunked, identity\r\n\r\n", 400,
        "Transfer-Encoding does not end with chunked", "TE.TE: chunked not last (6.1)");
    head(c, "te_identity", POST + "Transfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello", 400,
        "both Content-Length and Transfer-Encoding", "identity was removed from HTTP/1.1; with CL both framings");
    head(c, "te_chunked_twice", POST + "Transfer-Encoding: chunked, chunked\r\n\r\n", 400,
        "chunked applied more than once", "chunked applied twice (7.1)");
    head(c, "te_two_lines_last_not_chunked", POST + "Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n\r\n", 400,
        "Transfer-Encoding does not end with chunked", "TE.TE: the combined list ends with x");
    head(c, "te_obs_fold", POST + "Transfer-Encoding: gzip\r\n , chunked\r\n\r\n", 400,
        "obs-fold or whitespace before a field line", "TE.TE: obs-fold continues the value (5.2)");
    head(c, "te_vertical_tab", POST + "Transfer-Encoding: \013chunked\r\n\r\n", 400,
        "control character in field value", "TE.TE: vertical tab is not whitespace");
    head(c, "te_quoted", POST + "Transfer-Encoding: \"chunked\"\r\n\r\n", 400, "invalid Transfer-Encoding",
        "TE.TE: quoted coding");
    head(c, "te_parameter", POST + "Transfer-Encoding: chunked;q=1\r\n\r\n", 400,
        "Transfer-Encoding parameters are not accepted", "TE.TE: parameter on chunked");
    head(c, "te_empty_element", POST + "Transfer-Encoding: , chunked\r\n\r\n", 400, "invalid Transfer-Encoding",
        "TE.TE: empty list element");
    head(c, "te_unknown_then_chunked", POST + "Transfer-Encoding: foo, chunked\r\n\r\n", 501,
        "unknown transfer coding", "unknown transfer coding (6.1: 501)");
    head(c, "te_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400,
        "Transfer-Encoding in an HTTP/1.0 request", "Transfer-Encoding in HTTP/1.0 (6.1: faulty framing)");
    head(c, "te_leading_whitespace_line", "POST / HTTP/1.1\r\n Transfer-Encoding: chunked\r\nHost: a\r\n\r\n", 400,
        "obs-fold or whitespace before a field line", "whitespace before the first field line (2.2)");
    head(c, "cl_different_lines", POST + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400,
        "conflicting Content-Length values", "repeated Content-Length with different values (6.3)");
    head(c, "cl_list_different", POST + "Content-Length: 1,2\r\n\r\nab", 400, "conflicting Content-Length values",
        "Content-Length: 1,2");
    head(c, "cl_plus", POST + "Content-Length: +5\r\n\r\nhello", 400, "invalid Content-Length",
        "sign is not a digit");
    head(c, "cl_negative", POST + "Content-Length: -1\r\n\r\n", 400, "invalid Content-Length", "negative length");
    head(c, "cl_hex", POST + "Content-Length: 0x5\r\n\r\nhello", 400, "invalid Content-Length", "hex length");
    head(c, "cl_space_inside", POST + "Content-Length: 1 2\r\n\r\n", 400, "invalid Content-Length",
        "space inside the number");
    head(c, "cl_empty", POST + "Content-Length:\r\n\r\n", 400, "invalid Content-Length", "empty length");
    head(c, "cl_overflow", POST + "Content-Length: 99999999999999999999\r\n\r\n", 400, "Content-Length too large",
        "length over 2^63");
    head(c, "cl_trailing_comma", POST + "Content-Length: 5,\r\n\r\nhello", 400, "invalid Content-Length",
        "empty list element");
    head(c, "cl_space_before_colon", POST + "Content-Length : 5\r\n\r\nhello", 400,
        "whitespace between field name and colon", "whitespace before colon");
    head(c, "cl_bare_cr_before_value", POST + "Content-Length:\r5\r\n\r\nhello", 400, "bare CR in request head",
        "bare CR (2.2)");
    // Field syntax (RFC 9112 section 5, RFC 9110 section 5.5).
    head(c, "name_with_space", POST + "Foo Bar: x\r\n\r\n", 400, "whitespace between field name and colon",
        "space inside a field name");
    head(c, "name_empty", POST + ": x\r\n\r\n", 400, "empty field name", "empty field name");
    head(c, "name_nul", POST + "X\0: y\r\n\r\n", 400, "invalid character in field name", "NUL in a field name");
    head(c, "name_non_ascii", POST + "H\u00f3st: a\r\n\r\n", 400, "invalid character in field name",
        "non-token byte in a field name");
    head(c, "name_without_colon", POST + "NoColon\r\n\r\n", 400, "field line without a colon",
        "field line without a colon");
    head(c, "value_nul", POST + "X: a\0b\r\n\r\n", 400, "control character in field value",
        "NUL in a field value (5.5)");
    head(c, "value_bare_cr", POST + "X: a\rb\r\n\r\n", 400, "bare CR in request head",
        "bare CR in a field value (2.2)");
    head(c, "value_del", POST + "X: a\177b\r\n\r\n", 400, "control character in field value", "DEL in a field value");
    head(c, "value_escape", POST + "X: a\033[0mb\r\n\r\n", 400, "control character in field value",
        "ESC (a control character) in a value");
    head(c, "obs_fold", POST + "X: a\r\n b\r\n\r\n", 400, "obs-fold or whitespace before a field line",
        "obs-fold (5.2: reject with 400)");
    head(c, "bare_lf_everywhere", "GET / HTTP/1.1\nHost: a\n\n", 400,
        "bare LF in request head (lines must end with CRLF)", "bare LF line endings (2.2)");
    head(c, "bare_lf_one_line", POST + "X: y\n\r\n", 400, "bare LF in request head (lines must end with CRLF)",
        "one bare LF among CRLFs");
    head(c, "bare_lf_end_of_head", POST + "X: y\r\n\n", 400, "bare LF in request head (lines must end with CRLF)",
        "head ended by a bare LF");
    // Host (RFC 9112 section 3.2).
    head(c, "host_missing", "GET / HTTP/1.1\r\nX: y\r\n\r\n", 400, "missing Host", "HTTP/1.1 without Host");
    head(c, "host_repeated", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400, "repeated Host", "two Host lines");
    head(c, "host_repeated_different", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "repeated Host",
        "two Host values");
    head(c, "host_comma", "GET / HTTP/1.1\r\nHost: a, b\r\n\r\n", 400, "invalid Host",
        "Host read as a list by others");
    head(c, "host_space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "invalid Host", "space inside Host");
    head(c, "host_empty", "GET / HTTP/1.1\r\nHost:\r\n\r\n", 400, "invalid Host", "empty Host for an http URI");
    head(c, "host_bad_port", "GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n", 400, "invalid Host", "port over 65535");
    head(c, "host_userinfo", "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", 400, "invalid Host", "userinfo in Host");
    // Request line and target (RFC 9112 section 3).
    head(c, "absolute_form_host_mismatch", "GET http://evil.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n", 400,
        "Host does not match the request target", "absolute-form authority differs from Host (3.2.2)");
    head(c, "absolute_form_userinfo", "GET http://user@a.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n", 400,
        "invalid request target", "userinfo in the target (RFC 9110 4.2.4)");
    head(c, "absolute_form_other_scheme", "GET ftp://a.example/ HTTP/1.1\r\nHost: a.example\r\n\r\n", 400,
        "invalid request target", "scheme other than http(s)");
    head(c, "authority_form_without_connect", "GET a.example:80 HTTP/1.1\r\nHost: a.example\r\n\r\n", 400,
        "invalid request target", "authority-form is for CONNECT only (3.2.3)");
    head(c, "connect", "CONNECT a.example:443 HTTP/1.1\r\nHost: a.example:443\r\n\r\n", 501,
        "CONNECT is not supported", "a reverse proxy does not tunnel CONNECT");
    head(c, "asterisk_not_options", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, "'*' target outside OPTIONS",
        "asterisk-form is for OPTIONS only");
    head(c, "target_space", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "malformed request line",
        "space inside the target");
    head(c, "target_fragment", "GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid request target",
        "fragment in the target");
    head(c, "target_bad_percent", "GET /%zz HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid request target",
        "invalid percent-encoding");
    head(c, "target_non_ascii", "GET /\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid request target",
        "raw non-ASCII in the target");
    head(c, "method_invalid", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "invalid method", "non-token method");
    head(c, "double_space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400, "malformed request line",
        "two spaces in the request line");
    head(c, "version_lowercase", "GET / http/1.1\r\nHost: a\r\n\r\n", 400, "malformed request line",
        "HTTP-name is case-sensitive");
    head(c, "version_trailing_space", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400, "malformed request line",
        "space after the version");
    head(c, "http09", "GET /\r\n\r\n", 400, "malformed request line", "HTTP/0.9 request line");
    head(c, "version_2", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP version not supported",
        "major version other than 1");
    head(c, "leading_empty_lines", "\r\n\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400,
        "too many empty lines before the request line", "more empty lines than the 2 ignored before a request (2.2)");
    // Connection and Expect.
    head(c, "connection_names_content_length", POST + "Content-Length: 5\r\nConnection: Content-Length\r\n\r\nhello",
        400, "Connection names Host, Content-Length or Transfer-Encoding",
        "Connection hop-by-hop abuse to strip framing");
    head(c, "connection_names_transfer_encoding",
        POST + "Transfer-Encoding: chunked\r\nConnection: Transfer-Encoding\r\n\r\n0\r\n\r\n", 400,
        "Connection names Host, Content-Length or Transfer-Encoding", "Connection hop-by-hop abuse to strip framing");
    head(c, "connection_names_host", POST + "Connection: host\r\n\r\n", 400,
        "Connection names Host, Content-Length or Transfer-Encoding", "Connection hop-by-hop abuse on Host");
    head(c, "expect_unknown", POST + "Expect: 200-ok\r\nContent-Length: 0\r\n\r\n", 417, "unsupported expectation",
        "expectation other than 100-continue (RFC 9110 10.1.1)");
    // Limits (defaults: request line 8192, header section 32768, 100 fields).
    head(c, "request_line_too_long", "GET /" + "a".repeat(8192) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414,
        "request line too long", "request line over maxRequestLineLength");
    head(c, "header_section_too_large", POST + "X: " + "a".repeat(33_000) + "\r\n\r\n", 431,
        "request header section too large", "header section over maxHeaderSectionBytes");
    head(c, "too_many_fields", POST + "X: y\r\n".repeat(100) + "\r\n", 431, "too many header fields",
        "101 fields, over maxFieldCount");
    // Chunked bodies (RFC 9112 section 7.1).
    body(c, "chunk_size_not_hex", CHUNKED + "z\r\nhello\r\n0\r\n\r\n", "invalid chunk size", "chunk size not hex");
    body(c, "chunk_size_empty", CHUNKED + "\r\nhello\r\n0\r\n\r\n", "invalid chunk size", "empty chunk size");
    body(c, "chunk_size_overflow", CHUNKED + "10000000000000000\r\nx\r\n0\r\n\r\n", "chunk size too large",
        "chunk size over 2^63");
    body(c, "chunk_size_sign", CHUNKED + "+5\r\nhello\r\n0\r\n\r\n", "invalid chunk size",
        "sign before the chunk size");
    body(c, "chunk_size_0x", CHUNKED + "0x5\r\nhello\r\n0\r\n\r\n", "invalid chunk size", "0x prefix");
    body(c, "chunk_size_trailing_space", CHUNKED + "5 \r\nhello\r\n0\r\n\r\n", "invalid chunk size",
        "whitespace after the size");
    body(c, "chunk_size_bare_lf", CHUNKED + "5\nhello\r\n0\r\n\r\n", "bare LF in chunk-size line",
        "bare LF after the size");
    body(c, "chunk_ext_bare_lf", CHUNKED + "5;a\nhello\r\n0\r\n\r\n", "bare LF in chunk-size line",
        "bare LF in an extension");
    body(c, "chunk_ext_too_long", CHUNKED + "5;a=" + "b".repeat(1100) + "\r\nhello\r\n0\r\n\r\n",
        "chunk-size line too long", "extension over maxChunkSizeLineLength (CVE-2023-39326-style abuse)");
    body(c, "chunk_ext_control", CHUNKED + "5;a=\"b\001\"\r\nhello\r\n0\r\n\r\n", "invalid chunk extension",
        "control character in a quoted extension");
    body(c, "chunk_ext_no_name", CHUNKED + "5;=x\r\nhello\r\n0\r\n\r\n", "invalid chunk extension",
        "extension without a name");
    body(c, "chunk_data_too_long", CHUNKED + "3\r\nhello\r\n0\r\n\r\n", "chunk data not followed by CRLF",
        "TE.CL: data longer than its size");
    body(c, "chunk_data_bare_lf", CHUNKED + "5\r\nhello\n0\r\n\r\n", "chunk data not followed by CRLF",
        "chunk data ended by a bare LF");
    body(c, "last_chunk_missing_final_crlf", CHUNKED + "0\r\n\rX", "bare CR after the last chunk",
        "last chunk without its final CRLF");
    body(c, "trailer_obs_fold", CHUNKED + "0\r\nX: a\r\n b\r\n\r\n", "obs-fold in trailer", "obs-fold in a trailer");
    body(c, "trailer_nul", CHUNKED + "0\r\nX: a\0\r\n\r\n", "control character in trailer field", "NUL in a trailer");
    body(c, "trailer_space_before_colon", CHUNKED + "0\r\nX : a\r\n\r\n",
        "whitespace between trailer field name and colon", "whitespace before colon in a trailer");
    body(c, "trailer_content_length", CHUNKED + "0\r\nContent-Length: 50\r\n\r\n",
        "Content-Length, Transfer-Encoding or Host in a trailer",
        "framing field smuggled in a trailer (RFC 9110 6.5.1)");
    body(c, "trailer_transfer_encoding", CHUNKED + "5\r\nhello\r\n0\r\nTRANSFER-encoding: chunked\r\n\r\n",
        "Content-Length, Transfer-Encoding or Host in a trailer", "framing field smuggled in a trailer");
    body(c, "trailer_host", CHUNKED + "0\r\nHost: evil.example\r\n\r\n",
        "Content-Length, Transfer-Encoding or Host in a trailer", "routing field smuggled in a trailer");
    CASES = Collections.unmodifiableList(c);
  }

  private MalformedRequests() {}

  /** Every case, in a fixed order. */
  public static List<Case> all() {
    return CASES;
  }

  private static void head(List<Case> cases, String name, String request, int status, String reason,
      String why) {
    cases.add(new Case(name, request.getBytes(StandardCharsets.ISO_8859_1), status, Stage.HEAD, reason, why));
  }

  private static void body(List<Case> cases, String name, String request, String reason, String why) {
    cases.add(new Case(name, request.getBytes(StandardCharsets.ISO_8859_1), 400, Stage.BODY, reason, why));
  }
}
