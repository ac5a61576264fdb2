package io.lb4j.api.scheduler;

/** The shared {@link ActiveRequests#untracked()}: stateless, so one instance serves every candidate. */
enum Untracked implements ActiveRequests {
  /** The one instance. */
  INSTANCE;

  @Override
  public int get() {
    return 0;
  }

  @Override
  public void increment() {}

  @Override
  public void decrement() {}

  @Override
  public String toString() {
    return "untracked";
  }
}
