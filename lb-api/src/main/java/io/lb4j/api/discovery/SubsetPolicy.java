package io.lb4j.api.discovery;

import static io.lb4j.api.internal.Checks.checkCharset;
import static io.lb4j.api.internal.Checks.checkRange;

import java.util.Objects;

/**
 * Deterministic subsetting, as in the Google SRE book ("Load Balancing in the Datacenter"): with many clients
 * and many backends, each client uses only about {@code subsetSize} of the backends, chosen so that every
 * backend gets about the same number of clients and a change of membership moves few of them. A pool given
 * this option balances over, and health-checks, its subset only, so probes per backend grow with
 * {@code clients x subsetSize / backends}, not with the number of clients.
 *
 * <p>Two ways to say who the client is:
 * <ul>
 *   <li>{@link #byIndex(int, int, int)}: the client's index among {@code clientCount} clients (a replica
 *       number, a StatefulSet ordinal). Clients are dealt into rounds, each round a fresh shuffle of the
 *       backends cut into subsets, so every backend has the same number of clients to within one.
 *   <li>{@link #byClientId(String, int)}: a stable name when there are no indexes. Each client gets its own
 *       shuffle and a random cut, so backends are balanced only on average, as with random choice.
 * </ul>
 *
 * <p>The {@code salt} (empty by default) makes different client fleets of the same backends shuffle
 * differently, so that the clients of two services do not load the same backends together.
 *
 * <p>Immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class SubsetPolicy {

  /** The largest subset size. */
  public static final int MAX_SUBSET_SIZE = 10_000;
  /** The largest client count. */
  public static final int MAX_CLIENT_COUNT = 1_000_000;

  private static final int MAX_ID_LENGTH = 256;

  private final int clientIndex;
  private final int clientCount;
  private final String clientId;
  private final int subsetSize;
  private final String salt;

  private SubsetPolicy(int clientIndex, int clientCount, String clientId, int subsetSize, String salt) {
    this.clientIndex = clientIndex;
    this.clientCount = clientCount;
    this.clientId = clientId;
    this.subsetSize = subsetSize;
    this.salt = salt;
  }

  /**
   * The subset of client {@code clientIndex} of {@code clientCount}.
   *
   * @param clientIndex this client's index, 0 to {@code clientCount - 1}
   * @param clientCount how many clients share the backends, 1-1,000,000
   * @param subsetSize how many backends each client uses, 1-10,000
   * @return the policy
   * @throws IllegalArgumentException when a value is out of range
   */
  public static SubsetPolicy byIndex(int clientIndex, int clientCount, int subsetSize) {
    checkRange("subset.clientCount", clientCount, 1, MAX_CLIENT_COUNT);
    checkRange("subset.clientIndex", clientIndex, 0, clientCount - 1);
    checkRange("subset.subsetSize", subsetSize, 1, MAX_SUBSET_SIZE);
    return new SubsetPolicy(clientIndex, clientCount, "", subsetSize, "");
  }

  /**
   * The subset of the client named {@code clientId}, when clients have no index.
   *
   * @param clientId a name stable across restarts (a host name, a pod name), 1-256 printable ASCII
   *     characters without spaces
   * @param subsetSize how many backends each client uses, 1-10,000
   * @return the policy
   * @throws IllegalArgumentException when a value is out of range
   */
  public static SubsetPolicy byClientId(String clientId, int subsetSize) {
    checkCharset("subset.clientId", clientId, 1, MAX_ID_LENGTH, "printable ASCII without spaces",
        c -> c > ' ' && c < 127);
    checkRange("subset.subsetSize", subsetSize, 1, MAX_SUBSET_SIZE);
    return new SubsetPolicy(-1, 0, clientId, subsetSize, "");
  }

  /**
   * This policy with another salt.
   *
   * @param salt 0-256 printable ASCII characters without spaces; the same for every client of one fleet
   * @return the policy
   */
  public SubsetPolicy withSalt(String salt) {
    checkCharset("subset.salt", salt, 0, MAX_ID_LENGTH, "printable ASCII without spaces", c -> c > ' ' && c < 127);
    return new SubsetPolicy(clientIndex, clientCount, clientId, subsetSize, salt);
  }

  /**
   * Whether the client is known by its index ({@link #byIndex}) rather than by a name.
   *
   * @return true for {@link #byIndex}
   */
  public boolean byIndex() {
    return clientIndex >= 0;
  }

  /**
   * The client's index.
   *
   * @return the index, or -1 for a policy made by {@link #byClientId}
   */
  public int clientIndex() {
    return clientIndex;
  }

  /**
   * The number of clients.
   *
   * @return the count, or 0 for a policy made by {@link #byClientId}
   */
  public int clientCount() {
    return clientCount;
  }

  /**
   * The client's name.
   *
   * @return the name, or an empty string for a policy made by {@link #byIndex}
   */
  public String clientId() {
    return clientId;
  }

  /**
   * How many backends each client uses (a client may get one more, see the implementation's notes, or all of
   * them when there are fewer).
   *
   * @return the size
   */
  public int subsetSize() {
    return subsetSize;
  }

  /**
   * The fleet's salt.
   *
   * @return the salt, empty by default
   */
  public String salt() {
    return salt;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SubsetPolicy p && clientIndex == p.clientIndex && clientCount == p.clientCount
        && clientId.equals(p.clientId) && subsetSize == p.subsetSize && salt.equals(p.salt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(clientIndex, clientCount, clientId, subsetSize, salt);
  }

  @Override
  public String toString() {
    return "SubsetPolicy{" + (byIndex() ? "client " + clientIndex + " of " + clientCount : "client '" + clientId + "'")
        + ", subsetSize=" + subsetSize + (salt.isEmpty() ? "" : ", salt='" + salt + "'") + "}";
  }
}
