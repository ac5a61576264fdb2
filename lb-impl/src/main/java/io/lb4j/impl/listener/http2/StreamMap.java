package io.lb4j.impl.listener.http2;

/**
 * The open streams of a connection by id: open addressing with linear probing on int keys, so finding
 * a stream for each frame neither boxes its id nor allocates. Removal shifts later entries back, so no
 * tombstones pile up. Grows when half full. Not thread-safe.
 */
final class StreamMap {

  private int[] keys;
  private Http2Stream[] values;
  private int size;

  StreamMap(int expected) {
    int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
    keys = new int[capacity];
    values = new Http2Stream[capacity];
  }

  int size() {
    return size;
  }

  Http2Stream get(int id) {
    int mask = keys.length - 1;
    for (int i = mix(id) & mask; values[i] != null; i = (i + 1) & mask) {
      if (keys[i] == id) {
        return values[i];
      }
    }
    return null;
  }

  void put(int id, Http2Stream stream) {
    if (2 * (size + 1) > keys.length) {
      grow();
    }
    int mask = keys.length - 1;
    int i = mix(id) & mask;
    while (values[i] != null) {
      if (keys[i] == id) {
        values[i] = stream;
        return;
      }
      i = (i + 1) & mask;
    }
    keys[i] = id;
    values[i] = stream;
    size++;
  }

  void remove(int id) {
    int mask = keys.length - 1;
    int i = mix(id) & mask;
    while (values[i] != null && keys[i] != id) {
      i = (i + 1) & mask;
    }
    if (values[i] == null) {
      return;
    }
    values[i] = null;
    size--;
    // Move back every following entry of the cluster that would no longer be found past the hole.
    int hole = i;
    for (int j = (i + 1) & mask; values[j] != null; j = (j + 1) & mask) {
      int home = mix(keys[j]) & mask;
      boolean reachable = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!reachable) {
        keys[hole] = keys[j];
        values[hole] = values[j];
        values[j] = null;
        hole = j;
      }
    }
  }

  /** Copies the streams into {@code into} (grown if needed); returns the array and sets nothing else. */
  Http2Stream[] snapshot(Http2Stream[] into) {
    Http2Stream[] out = into.length >= size ? into : new Http2Stream[Math.max(size, 2 * into.length)];
    int n = 0;
    for (Http2Stream s : values) {
      if (s != null) {
        out[n++] = s;
      }
    }
    for (int k = n; k < out.length && out[k] != null; k++) {
      out[k] = null;
    }
    return out;
  }

  private void grow() {
    int[] oldKeys = keys;
    Http2Stream[] oldValues = values;
    keys = new int[oldKeys.length * 2];
    values = new Http2Stream[oldValues.length * 2];
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldValues[i] != null) {
        put(oldKeys[i], oldValues[i]);
      }
    }
  }

  /** Stream ids are sequential odd (or even) numbers; spreading them keeps clusters short. */
  private static int mix(int id) {
    int h = id * 0x9E3779B9;
    return h ^ (h >>> 16);
  }
}
