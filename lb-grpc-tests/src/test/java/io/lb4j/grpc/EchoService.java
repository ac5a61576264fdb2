package io.lb4j.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny gRPC service written without protoc: method descriptors with a byte-array marshaller. {@code Unary}
 * echoes its request; {@code Bidi} echoes each message as it comes; {@code Hang} never answers (until the call
 * is cancelled); {@code Fail} ends with a status of the caller's choosing (the request's first byte).
 */
final class EchoService {
  static final String NAME = "lb4j.test.Echo";

  static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  static final MethodDescriptor<byte[], byte[]> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<byte[], byte[]> BIDI = method("Bidi", MethodDescriptor.MethodType.BIDI_STREAMING);
  static final MethodDescriptor<byte[], byte[]> HANG = method("Hang", MethodDescriptor.MethodType.UNARY);
  static final MethodDescriptor<byte[], byte[]> FAIL = method("Fail", MethodDescriptor.MethodType.UNARY);

  /** Calls each method received, by name. */
  final CopyOnWriteArrayList<String> calls = new CopyOnWriteArrayList<>();
  /** The deadlines the server saw on Hang calls (null: none). */
  final CopyOnWriteArrayList<Deadline> hangDeadlines = new CopyOnWriteArrayList<>();
  /** Hang calls that were cancelled (by the gateway resetting the stream). */
  final AtomicInteger hangsCancelled = new AtomicInteger();

  private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder().setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(NAME, name))
        .setRequestMarshaller(BYTES).setResponseMarshaller(BYTES).build();
  }

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(NAME)
        .addMethod(UNARY, ServerCalls.asyncUnaryCall((request, response) -> {
          calls.add("Unary");
          response.onNext(request);
          response.onCompleted();
        }))
        .addMethod(BIDI, ServerCalls.asyncBidiStreamingCall((StreamObserver<byte[]> response) -> {
          calls.add("Bidi");
          return new StreamObserver<byte[]>() {
            @Override
            public void onNext(byte[] message) {
              response.onNext(message);
            }

            @Override
            public void onError(Throwable t) {
              // the client went away
            }

            @Override
            public void onCompleted() {
              response.onCompleted();
            }
          };
        }))
        .addMethod(HANG, ServerCalls.asyncUnaryCall((request, response) -> {
          calls.add("Hang");
          Context context = Context.current();
          hangDeadlines.add(context.getDeadline());
          context.addListener(c -> hangsCancelled.incrementAndGet(), Runnable::run);
        }))
        .addMethod(FAIL, ServerCalls.asyncUnaryCall((request, response) -> {
          calls.add("Fail");
          response.onError(Status.fromCodeValue(request.length > 0 ? request[0] : 2).withDescription("as asked")
              .asRuntimeException());
        }))
        .build();
  }
}
