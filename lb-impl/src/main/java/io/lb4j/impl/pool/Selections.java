package io.lb4j.impl.pool;

import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import io.lb4j.api.Selection;
import io.lb4j.api.scheduler.ActiveRequests;
import io.lb4j.api.scheduler.NoBackendReason;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/** The two kinds of {@link Selection} a pool's {@link RequestPath} hands out. */
final class Selections {

  private static final Map<NoBackendReason, Selection> NONE = new EnumMap<>(NoBackendReason.class);

  static {
    for (NoBackendReason reason : NoBackendReason.values()) {
      NONE.put(reason, new None(reason));
    }
  }

  private Selections() {}

  /** The shared selection for "no backend, because {@code reason}"; releasing it does nothing. */
  static Selection none(NoBackendReason reason) {
    return NONE.get(reason);
  }

  /** A selection of a backend. Release is idempotent: the first call counts, later ones do nothing. */
  static final class Picked implements Selection {
    private static final AtomicIntegerFieldUpdater<Picked> RELEASED =
        AtomicIntegerFieldUpdater.newUpdater(Picked.class, "released");

    final RequestPath owner;
    /** The membership it went to; null for a backend a custom scheduler returned unasked. */
    final Member member;
    /** Where the request is counted: the member's counter (or the pick's, without a member). */
    final ActiveRequests active;
    final Backend backend;
    final RequestContext context;
    private final InetSocketAddress address;
    private final String setCookie;
    private final boolean sessionMoved;
    private volatile int released;

    Picked(RequestPath owner, Member member, ActiveRequests active, Backend backend, InetSocketAddress address,
        RequestContext context, String setCookie, boolean sessionMoved) {
      this.owner = owner;
      this.member = member;
      this.active = active;
      this.backend = backend;
      this.address = address;
      this.context = context;
      this.setCookie = setCookie;
      this.sessionMoved = sessionMoved;
    }

    @Override
    public boolean hasBackend() {
      return true;
    }

    @Override
    public Backend backend() {
      return backend;
    }

    @Override
    public InetSocketAddress address() {
      return address;
    }

    @Override
    public NoBackendReason reason() {
      return null;
    }

    @Override
    public String setCookie() {
      return setCookie;
    }

    @Override
    public boolean sessionMoved() {
      return sessionMoved;
    }

    @Override
    public void release() {
      if (RELEASED.compareAndSet(this, 0, 1)) {
        owner.released(this);
      }
    }

    @Override
    public String toString() {
      return "Selection{" + backend.id() + (sessionMoved ? " moved" : "") + (setCookie != null ? " set-cookie" : "")
          + (released != 0 ? " released" : "") + "}";
    }
  }

  private static final class None implements Selection {
    private final NoBackendReason reason;

    None(NoBackendReason reason) {
      this.reason = reason;
    }

    @Override
    public boolean hasBackend() {
      return false;
    }

    @Override
    public Backend backend() {
      return null;
    }

    @Override
    public InetSocketAddress address() {
      return null;
    }

    @Override
    public NoBackendReason reason() {
      return reason;
    }

    @Override
    public String setCookie() {
      return null;
    }

    @Override
    public boolean sessionMoved() {
      return false;
    }

    @Override
    public void release() {}

    @Override
    public String toString() {
      return "Selection{none: " + reason.description() + "}";
    }
  }
}
