package io.lb4j.impl.listener.http2;

import static io.lb4j.impl.listener.http2.RawFrames.END_HEADERS;
import static io.lb4j.impl.listener.http2.RawFrames.END_STREAM;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lb4j.impl.listener.Http2Limits;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * The client side, as lb4j will use it towards HTTP/2 backends (gRPC): requests opened on odd streams,
 * responses with informational heads, data and trailers, what a server may refuse and how the owner
 * learns that a request is safe to send again.
 */
class Http2ClientConnectionTest {

  private final Http2TestPeer server = Http2TestPeer.client(Http2Limits.defaults());
  private final Http2Connection client = server.connection;

  private static Http2Headers request(String method, String path) {
    return new Http2Headers().add(":method", method).add(":scheme", "http").add(":authority", "backend:8080")
        .add(":path", path);
  }

  @Test
  void opening_sendsThePrefaceAndSettingsWithPushDisabled() {
    Http2TestPeer fresh = Http2TestPeer.fresh(false, Http2Limits.defaults());
    // The output reader checked the preface; then the frames:
    assertThat(fresh.sent()).containsExactly("SETTINGS 2=0 6=32768", "WINDOW_UPDATE 0 983041");
  }

  @Test
  void request_getsItsResponseHeadersDataAndTrailers() {
    Http2Stream s = client.openStream(request("POST", "/pkg.Service/Call").add("content-type", "application/grpc")
        .add("te", "trailers"), false);
    assertThat(s.id()).isEqualTo(1);
    assertThat(s.sendData(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 1, 42}), true)).isEqualTo(6);
    assertThat(server.sent()).containsExactly(
        "HEADERS 1 [:method: POST, :scheme: http, :authority: backend:8080, :path: /pkg.Service/Call, "
            + "content-type: application/grpc, te: trailers]", "DATA 1 '\0\0\0\0\1*' end");

    server.send(RawFrames.create().headers(1, END_HEADERS, server.block(":status", "200", "content-type",
        "application/grpc")).data(1, false, "reply").headers(1, END_HEADERS | END_STREAM,
        server.block("grpc-status", "0", "grpc-message", "OK")));

    assertThat(server.handler.take()).containsExactly("headers 1 [:status: 200, content-type: application/grpc]",
        "data 1 'reply'", "trailers 1 [grpc-status: 0, grpc-message: OK]");
    assertThat(s.state()).isEqualTo(Http2Stream.State.CLOSED);
    assertThat(client.openStreams()).isZero();
    assertThat(client.openStream(request("GET", "/"), true).id()).isEqualTo(3);
  }

  @Test
  void informationalResponses_areDeliveredBeforeTheFinalOne() {
    client.openStream(request("GET", "/"), true);
    server.send(RawFrames.create().headers(1, END_HEADERS, server.block(":status", "103", "link", "</a>"))
        .headers(1, END_HEADERS | END_STREAM, server.block(":status", "204")));
    assertThat(server.handler.take()).containsExactly("headers 1 [:status: 103, link: </a>]",
        "headers 1 [:status: 204] end");
  }

  @Test
  void malformedResponses_resetTheStream() {
    client.openStream(request("GET", "/a"), true);
    client.openStream(request("GET", "/b"), true);
    client.openStream(request("GET", "/c"), true);
    server.sent();
    server.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, server.block("content-type", "x"))
        .headers(3, END_HEADERS | END_STREAM, server.block(":status", "200", "connection", "close"))
        .data(5, true, "data before headers"));
    assertThat(server.sent()).containsExactly("RST_STREAM 1 PROTOCOL_ERROR", "RST_STREAM 3 PROTOCOL_ERROR",
        "RST_STREAM 5 PROTOCOL_ERROR");
    assertThat(server.handler.take()).containsExactly("reset 1 PROTOCOL_ERROR missing :status",
        "reset 3 PROTOCOL_ERROR connection-specific field connection",
        "reset 5 PROTOCOL_ERROR DATA before the response headers");
    assertThat(client.isOpen()).isTrue();
  }

  @Test
  void contentLengthDisagreeingWithTheData_resetsTheStream() {
    client.openStream(request("GET", "/"), true);
    server.send(RawFrames.create().headers(1, END_HEADERS, server.block(":status", "200", "content-length", "5"))
        .data(1, true, "1234"));
    assertThat(server.handler.take()).last().isEqualTo("reset 1 PROTOCOL_ERROR content-length 5 but 4 bytes of DATA");
  }

  @Test
  void responseToHead_announcesALengthWithoutData() {
    client.openStream(request("HEAD", "/"), true);
    server.send(RawFrames.create().headers(1, END_HEADERS | END_STREAM, server.block(":status", "200",
        "content-length", "1234")));
    assertThat(server.handler.take()).containsExactly("headers 1 [:status: 200, content-length: 1234] end");
  }

  @Test
  void refusedStream_isMarkedUnprocessed_soItMayBeRetried() {
    Http2Stream s = client.openStream(request("POST", "/"), true);
    server.send(RawFrames.create().rstStream(1, 7));
    assertThat(server.handler.take()).containsExactly("reset 1 REFUSED_STREAM");
    assertThat(s.isUnprocessed()).isTrue();

    Http2Stream other = client.openStream(request("POST", "/"), true);
    server.send(RawFrames.create().rstStream(3, 2));
    assertThat(other.isUnprocessed()).isFalse();
  }

  @Test
  void goAway_marksStreamsAboveTheLastIdUnprocessed_andNoNewStreamOpens() {
    Http2Stream s1 = client.openStream(request("GET", "/1"), true);
    Http2Stream s3 = client.openStream(request("GET", "/3"), true);
    Http2Stream s5 = client.openStream(request("GET", "/5"), true);

    server.send(RawFrames.create().goAway(3, 0, "draining"));

    assertThat(server.handler.take()).containsExactly("reset 5 REFUSED_STREAM", "goaway 3 NO_ERROR draining");
    assertThat(s5.isUnprocessed()).isTrue();
    assertThat(s1.isUnprocessed()).isFalse();
    assertThat(s3.state()).isEqualTo(Http2Stream.State.HALF_CLOSED_LOCAL);
    assertThat(client.canOpenStream()).isFalse();
    assertThat(client.openStream(request("GET", "/"), true)).isNull();
  }

  @Test
  void serversConcurrencyLimit_isHonoured_asAValue() {
    server.send(RawFrames.create().settings(3, 2));
    Http2Stream a = client.openStream(request("GET", "/"), true);
    client.openStream(request("GET", "/"), true);
    assertThat(client.openStream(request("GET", "/"), true)).isNull();
    server.send(RawFrames.create().headers(a.id(), END_HEADERS | END_STREAM, server.block(":status", "204")));
    assertThat(client.openStream(request("GET", "/"), true)).isNotNull();
  }

  @Test
  void pushPromise_isAProtocolError() {
    client.openStream(request("GET", "/"), true);
    assertThat(server.send(RawFrames.create().frame(RawFrames.PUSH_PROMISE, END_HEADERS, 1,
        RawFrames.concat(RawFrames.bytes(0, 0, 0, 2), server.get("/pushed"))))).isFalse();
    assertThat(server.sent()).last().isEqualTo("GOAWAY 0 PROTOCOL_ERROR PUSH_PROMISE received: push is disabled");
  }

  @Test
  void serverEnablingPush_isAProtocolError() {
    assertThat(server.send(RawFrames.create().settings(2, 1))).isFalse();
    assertThat(server.sent()).last().isEqualTo("GOAWAY 0 PROTOCOL_ERROR SETTINGS_ENABLE_PUSH of 1");
  }

  @Test
  void headersOnAServerInitiatedStream_isAProtocolError() {
    assertThat(server.send(RawFrames.create().headers(2, END_HEADERS, server.block(":status", "200")))).isFalse();
    assertThat(server.sent()).last().isEqualTo("GOAWAY 0 PROTOCOL_ERROR HEADERS on idle stream 2");
  }

  @Test
  void responseOnAStreamNeverOpened_isAProtocolError() {
    assertThat(server.send(RawFrames.create().headers(1, END_HEADERS, server.block(":status", "200")))).isFalse();
    assertThat(server.sent()).last().isEqualTo("GOAWAY 0 PROTOCOL_ERROR HEADERS on idle stream 1");
  }

  @Test
  void serverConnection_cannotOpenStreams() {
    Http2TestPeer peer = Http2TestPeer.server(Http2Limits.defaults());
    assertThatThrownBy(() -> peer.connection.openStream(request("GET", "/"), true))
        .isInstanceOf(IllegalStateException.class).hasMessage("a server connection does not open streams");
  }
}
