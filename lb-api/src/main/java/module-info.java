/** lb4j's pure API. No dependencies. */
// "module": the qualified export below names lb-impl, lb-dns and lb-zookeeper, compiled after this module.
@SuppressWarnings("module")
module io.lb4j.api {
  exports io.lb4j.api;
  exports io.lb4j.api.discovery;
  exports io.lb4j.api.health;
  exports io.lb4j.api.load;
  exports io.lb4j.api.persistence;
  exports io.lb4j.api.routing;
  exports io.lb4j.api.scheduler;
  // Shared argument checks, for lb4j's own modules only (lb-testing is the automatic module io.lb4j.testing).
  exports io.lb4j.api.internal to io.lb4j.impl, io.lb4j.dns, io.lb4j.zookeeper, io.lb4j.testing;
}
