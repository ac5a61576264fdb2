package io.lb4j.impl.persistence;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.lb4j.api.Backend;
import io.lb4j.api.RequestContext;
import io.lb4j.api.persistence.SessionPersistence;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Session persistence for one listener: finds the backend a request's session is bound to, and binds
 * new sessions after the scheduler picked.
 *
 * <p>How a caller uses it, per request: {@link #find} the binding; if there is one and its backend can
 * take traffic, use it and call {@link #onHit} (which may return a refreshed cookie); otherwise pick
 * through the scheduler and {@link #bind} (which may return a cookie to set). When the request or
 * connection ends, {@link #release}. For server cookies, pass the backend's {@code Set-Cookie} headers
 * to {@link #observeSetCookie}.
 *
 * <p>Stickiness is only ever a preference: the caller checks that the bound backend is still eligible
 * and re-picks when it is not, so persistence can never route to an unhealthy, drained or removed
 * backend.
 *
 * <p><b>Tables.</b> Source-IP and server-cookie bindings live in a Caffeine cache bounded by
 * {@link SessionPersistence#maxEntries()} and expiring {@link SessionPersistence#timeout()} after last
 * use. At the bound, Caffeine's W-TinyLFU policy evicts the entries used least recently and least often
 * first, so a flood of one-off addresses mostly evicts its own entries rather than established clients;
 * an evicted client is simply scheduled anew. Cache maintenance runs on the calling threads, so no
 * background thread is started.
 *
 * <p>Thread-safe. Lookups that hit allocate nothing.
 */
public abstract class SessionAffinity {

  private final SessionPersistence policy;

  SessionAffinity(SessionPersistence policy) {
    this.policy = policy;
  }

  /** A builder for the given policy. */
  public static Builder builder(SessionPersistence policy) {
    return new Builder(policy);
  }

  /** The policy this affinity implements. */
  public final SessionPersistence policy() {
    return policy;
  }

  /**
   * The binding the request carries: null when it has no session, {@link Binding#INVALID} when it
   * presented a cookie that is forged, tampered with, expired or names no member, else the binding.
   */
  public abstract Binding find(RequestContext context);

  /**
   * Binds the request's session to {@code backend} after a pick.
   *
   * @return the value of a {@code Set-Cookie} header to send (inserted cookies), or null
   */
  public abstract String bind(RequestContext context, Backend backend);

  /**
   * The request is served by the backend {@code binding} names.
   *
   * @return a {@code Set-Cookie} value refreshing the session's cookie, or null
   */
  public String onHit(RequestContext context, Binding binding) {
    return null;
  }

  /** The request or connection that {@link #find}/{@link #bind} served has ended. */
  public void release(RequestContext context) {}

  /** Server cookie: learns that {@code backend} set a cookie (the value of a {@code Set-Cookie} header). */
  public final void observeSetCookie(Backend backend, String setCookieHeader) {
    observeSetCookie(backend, RequestContext.EMPTY, setCookieHeader);
  }

  /**
   * Server cookie: learns that {@code backend} set a cookie in its response to {@code request}. A
   * {@code Set-Cookie} that deletes the cookie ({@code sid=; Max-Age=0}, or an {@code Expires} in the
   * past) forgets both the value it names and the value the request carried, so the old binding stops
   * routing at once.
   */
  public void observeSetCookie(Backend backend, RequestContext request, String setCookieHeader) {}

  /** A backend joined the pool (inserted cookies may name it from now on). */
  public void memberAdded(String backendId) {}

  /** A backend left the pool for good. */
  public void memberRemoved(String backendId) {}

  /** The number of bindings held in a table (0 for modes without one); exact after {@link #cleanUp()}. */
  public long tableSize() {
    return 0;
  }

  /** Runs pending table maintenance (expiry, eviction) now. */
  public void cleanUp() {}

  /** Builds a {@link SessionAffinity}. Not thread-safe. */
  public static final class Builder {
    private final SessionPersistence policy;
    private boolean secure;
    private KeyRing keys;
    private Clock clock = Clock.systemUTC();
    private LongSupplier nanoTime = System::nanoTime;

    private Builder(SessionPersistence policy) {
      this.policy = Objects.requireNonNull(policy, "sessionPersistence");
    }

    /** Adds {@code Secure} to inserted cookies (set it for HTTPS listeners). */
    public Builder secure(boolean secure) {
      this.secure = secure;
      return this;
    }

    /** The keys that sign inserted cookies (default: a random key, valid for this instance only). */
    public Builder keys(KeyRing keys) {
      this.keys = Objects.requireNonNull(keys, "keys");
      return this;
    }

    /** The wall clock for cookie expiry (default UTC system clock); inject one in tests. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The time source for table expiry, in nanoseconds (default {@link System#nanoTime}). */
    public Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    /** Builds the affinity for the policy's mode. */
    public SessionAffinity build() {
      switch (policy.mode()) {
        case SOURCE_IP:
          return new SourceIp(policy, nanoTime);
        case INSERT_COOKIE:
          return new InsertCookie(policy, keys != null ? keys : KeyRing.random(), clock, secure);
        case SERVER_COOKIE:
          return new ServerCookie(policy, nanoTime, clock);
        default:
          return new None(policy);
      }
    }
  }

  /** The modes that keep a table of bindings: bounded, optionally expiring after last use. */
  abstract static class Tabled<K> extends SessionAffinity {
    final Cache<K, Binding> table;

    Tabled(SessionPersistence policy, Duration expireAfterAccess, LongSupplier nanoTime) {
      super(policy);
      Caffeine<Object, Object> b = Caffeine.newBuilder()
          .maximumSize(policy.maxEntries())
          .ticker(nanoTime::getAsLong)
          // Maintenance on the caller's thread: no ForkJoinPool task, nothing left running after close.
          .executor(Runnable::run);
      if (expireAfterAccess != null) {
        b.expireAfterAccess(expireAfterAccess);
      }
      this.table = b.build();
    }

    @Override
    public final long tableSize() {
      return table.estimatedSize();
    }

    @Override
    public final void cleanUp() {
      table.cleanUp();
    }
  }

  /** No persistence. */
  static final class None extends SessionAffinity {
    None(SessionPersistence policy) {
      super(policy);
    }

    @Override
    public Binding find(RequestContext context) {
      return null;
    }

    @Override
    public String bind(RequestContext context, Backend backend) {
      return null;
    }
  }

  /**
   * Source IP. With a timeout, an entry expires that long after its last use (a select, or the end of
   * a connection). With timeout 0, an entry lives exactly while its client has connections open: each
   * binding counts them, and the last release removes it.
   */
  static final class SourceIp extends Tabled<InetAddress> {
    private final boolean whileConnected;

    SourceIp(SessionPersistence policy, LongSupplier nanoTime) {
      super(policy, policy.timeout().isZero() ? null : policy.timeout(), nanoTime);
      this.whileConnected = policy.timeout().isZero();
    }

    @Override
    public Binding find(RequestContext context) {
      InetAddress client = context.clientAddress();
      return client == null ? null : table.getIfPresent(client);
    }

    @Override
    public String bind(RequestContext context, Backend backend) {
      InetAddress client = context.clientAddress();
      if (client != null) {
        if (whileConnected) {
          // The count covers all of the client's open connections, including those to a backend it
          // was moved away from, so the entry outlives every one of them.
          table.asMap().compute(client, (k, v) -> {
            Counted c = new Counted(backend.id());
            c.open = v == null ? 1 : ((Counted) v).open + 1;
            return c;
          });
        } else {
          table.put(client, new Binding(backend.id()));
        }
      }
      return null;
    }

    @Override
    public String onHit(RequestContext context, Binding binding) {
      if (whileConnected) {
        // compute() runs under the entry's lock, so counting and removal at zero cannot interleave. The
        // entry may have gone since find() (the client's last other connection just ended): bring it back.
        table.asMap().compute(context.clientAddress(), (client, b) -> {
          Counted c = b != null ? (Counted) b : new Counted(binding.backendId());
          c.open++;
          return c;
        });
      }
      return null;
    }

    @Override
    public void release(RequestContext context) {
      InetAddress client = context.clientAddress();
      if (client == null) {
        return;
      }
      if (whileConnected) {
        table.asMap().computeIfPresent(client, SourceIp::decrement);
      } else {
        table.getIfPresent(client); // restarts the idle timer: the timeout counts from the last release
      }
    }

    private static Binding decrement(InetAddress client, Binding b) {
      Counted c = (Counted) b;
      return --c.open <= 0 ? null : c;
    }

    /** A binding that counts its client's open connections; mutated only inside compute(). */
    private static final class Counted extends Binding {
      int open;

      Counted(String backendId) {
        super(backendId);
      }
    }
  }

  /**
   * Inserted cookie: stateless. The cookie carries a signed, expiring token of the backend; any balancer
   * holding the same {@link KeyRing} honours it. A cookie is re-issued when more than half of its
   * lifetime has passed, so an active session does not expire mid-use while most responses carry no
   * {@code Set-Cookie}.
   */
  static final class InsertCookie extends SessionAffinity {
    private final InsertedCookieCodec codec;
    private final Clock clock;
    private final String cookieName;
    private final String attributes;
    private final long timeoutSeconds;

    InsertCookie(SessionPersistence policy, KeyRing keys, Clock clock, boolean secure) {
      super(policy);
      this.codec = new InsertedCookieCodec(keys);
      this.clock = clock;
      this.cookieName = policy.cookieName();
      this.timeoutSeconds = policy.timeout().getSeconds();
      this.attributes = "; Max-Age=" + timeoutSeconds + "; Path=/; HttpOnly; SameSite=Lax" + (secure ? "; Secure" : "");
    }

    @Override
    public Binding find(RequestContext context) {
      String header = context.cookieHeader();
      long pos = CookieHeaders.findValue(header, cookieName);
      if (pos == CookieHeaders.NOT_FOUND) {
        return null;
      }
      Binding b = codec.verify(header, CookieHeaders.start(pos), CookieHeaders.end(pos), now());
      return b != null ? b : Binding.INVALID;
    }

    @Override
    public String bind(RequestContext context, Backend backend) {
      return cookieName + "=" + codec.encode(backend.id(), now() + timeoutSeconds) + attributes;
    }

    @Override
    public String onHit(RequestContext context, Binding binding) {
      long expiresAt = ((InsertedCookieCodec.VerifiedCookie) binding).expiresAt;
      return expiresAt - now() < timeoutSeconds / 2 ? cookieName + "="
          + codec.encode(binding.backendId(), now() + timeoutSeconds) + attributes : null;
    }

    @Override
    public void memberAdded(String backendId) {
      codec.register(backendId);
    }

    @Override
    public void memberRemoved(String backendId) {
      codec.unregister(backendId);
    }

    private long now() {
      return clock.millis() / 1000;
    }
  }

  /**
   * Server cookie: learns {@code cookie value -> backend} from the backends' {@code Set-Cookie} headers
   * and follows it. A {@code Set-Cookie} that deletes the cookie ({@code Max-Age=0}, or an
   * {@code Expires} in the past by the injected clock) forgets the value.
   */
  static final class ServerCookie extends Tabled<String> {
    private final String cookieName;
    private final Clock clock;

    ServerCookie(SessionPersistence policy, LongSupplier nanoTime, Clock clock) {
      super(policy, policy.timeout(), nanoTime);
      this.cookieName = policy.cookieName();
      this.clock = clock;
    }

    @Override
    public Binding find(RequestContext context) {
      String value = CookieHeaders.value(context.cookieHeader(), cookieName);
      if (value == null) {
        return null;
      }
      Binding b = table.getIfPresent(value);
      return b != null ? b : Binding.INVALID;
    }

    @Override
    public String bind(RequestContext context, Backend backend) {
      // A request that carried a known value is re-bound to the new backend: the application's session
      // id stays the same, and the next response of the new backend may replace it.
      String value = CookieHeaders.value(context.cookieHeader(), cookieName);
      if (value != null) {
        table.put(value, new Binding(backend.id()));
      }
      return null;
    }

    @Override
    public void observeSetCookie(Backend backend, RequestContext request, String setCookieHeader) {
      String value = CookieHeaders.setCookieValue(setCookieHeader, cookieName);
      if (value == null) {
        return;
      }
      if (CookieHeaders.deletes(setCookieHeader, clock.millis())) {
        // A deletion usually carries an empty value ("sid=; Max-Age=0"): the session it ends is the one
        // the request presented.
        if (!value.isEmpty()) {
          table.invalidate(value);
        }
        String presented = CookieHeaders.value(request.cookieHeader(), cookieName);
        if (presented != null) {
          table.invalidate(presented);
        }
      } else if (!value.isEmpty()) {
        table.put(value, new Binding(backend.id()));
      }
    }
  }
}
