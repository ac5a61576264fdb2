package io.lb4j.benchmarks.scheduler;

import java.util.ArrayList;
import java.util.List;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.rpc.Invocation;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.Result;
import org.apache.dubbo.rpc.RpcInvocation;
import org.apache.dubbo.rpc.RpcStatus;
import org.apache.dubbo.rpc.cluster.LoadBalance;
import org.apache.dubbo.rpc.model.ServiceModel;

/**
 * Apache Dubbo's load balances behind {@link Picker}, with hand-written invoker stubs (no Mockito): each
 * invoker's URL is {@code dubbo://host:20880/Svc?weight=N}, each invocation an {@code RpcInvocation} of
 * method {@code sayHello} whose first argument is the request key (what Dubbo's consistent hash hashes).
 */
final class DubboAdapters {

  private static final String SERVICE = "io.lb4j.benchmarks.Svc";
  private static final String METHOD = "sayHello";

  private DubboAdapters() {}

  /** A Dubbo invoker that only carries a URL; the load balances never invoke it. */
  static final class StubInvoker implements Invoker<Object> {
    private final URL url;

    StubInvoker(URL url) {
      this.url = url;
    }

    @Override
    public Class<Object> getInterface() {
      return Object.class;
    }

    @Override
    public Result invoke(Invocation invocation) {
      throw new UnsupportedOperationException("benchmark stub");
    }

    @Override
    public URL getUrl() {
      return url;
    }

    @Override
    public boolean isAvailable() {
      return true;
    }

    @Override
    public void destroy() {}
  }

  /** select() with a fixed invocation, or one per key when {@code hashed}. */
  static Picker picker(BackendSet set, LoadBalance loadBalance, boolean hashed, boolean countActive) {
    List<Invoker<Object>> invokers = new ArrayList<>(set.backends.length);
    for (int i = 0; i < set.backends.length; i++) {
      invokers.add(new StubInvoker(URL.valueOf("dubbo://" + set.backends[i].host() + ":20880/" + SERVICE
          + "?weight=" + set.weights[i] + "&interface=" + SERVICE)));
    }
    URL consumerUrl = URL.valueOf("consumer://127.0.0.1/" + SERVICE + "?interface=" + SERVICE);
    Invocation[] invocations = new Invocation[hashed ? BackendSet.KEYS : 1];
    for (int k = 0; k < invocations.length; k++) {
      // No ServiceModel: the balancers read only the method name, the interface and the argument.
      invocations[k] = new RpcInvocation((ServiceModel) null, METHOD, SERVICE, "", new Class<?>[] {String.class},
          new Object[] {set.keyStrings[k]});
    }
    int mask = invocations.length - 1;
    if (countActive) {
      // Least active reads RpcStatus; begin/end count around the pick, as Dubbo's ActiveLimitFilter does.
      return key -> {
        Invoker<Object> invoker = loadBalance.select(invokers, consumerUrl, invocations[0]);
        RpcStatus.beginCount(invoker.getUrl(), METHOD);
        RpcStatus.endCount(invoker.getUrl(), METHOD, 0, true);
        return invoker;
      };
    }
    return key -> loadBalance.select(invokers, consumerUrl, invocations[key & mask]);
  }
}
