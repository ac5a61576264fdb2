package io.lb4j.dns;

import io.lb4j.api.Backend;
import java.io.IOException;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Resolver;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * One resolution of a {@link DnsBackendSource}: sends the queries (blocking, with the resolver's timeout;
 * dnsjava retries over TCP when a UDP answer is truncated), checks the answers and maps them to
 * backends. No caching: each resolution asks the server, and the smallest TTL seen decides when to ask
 * again. Not thread-safe; used by the source's one thread.
 */
final class DnsLookup {

  /** The backends and the smallest TTL (seconds) among the records that produced them. */
  record Result(List<Backend> backends, long minTtlSeconds) {}

  /** A resolution that failed: the server could not be reached, or answered with an error. */
  static final class LookupException extends Exception {
    private static final long serialVersionUID = 1L;

    LookupException(String message) {
      super(message);
    }
  }

  private final Resolver resolver;
  private long minTtl;

  DnsLookup(Resolver resolver) {
    this.resolver = resolver;
  }

  Result addresses(Name name, int port, boolean ipv4, boolean ipv6) throws LookupException {
    minTtl = Long.MAX_VALUE;
    List<InetAddress> addresses = new ArrayList<>();
    if (ipv4) {
      addresses.addAll(addressesOf(name, Type.A));
    }
    if (ipv6) {
      addresses.addAll(addressesOf(name, Type.AAAA));
    }
    return new Result(DnsRecordMapper.fromAddresses(addresses, port, name.toString()), minTtl);
  }

  Result srv(Name name, boolean ipv4, boolean ipv6, boolean allPriorities) throws LookupException {
    minTtl = Long.MAX_VALUE;
    List<DnsRecordMapper.Target> targets = new ArrayList<>();
    for (Record r : query(name, Type.SRV)) {
      if (r instanceof SRVRecord srv) {
        List<InetAddress> addresses = new ArrayList<>();
        if (ipv4) {
          addresses.addAll(addressesOf(srv.getTarget(), Type.A));
        }
        if (ipv6) {
          addresses.addAll(addressesOf(srv.getTarget(), Type.AAAA));
        }
        targets.add(new DnsRecordMapper.Target(srv, addresses));
      }
    }
    return new Result(DnsRecordMapper.fromSrv(targets, name.toString(), allPriorities), minTtl);
  }

  private List<InetAddress> addressesOf(Name name, int type) throws LookupException {
    List<InetAddress> addresses = new ArrayList<>();
    for (Record r : query(name, type)) {
      if (r instanceof ARecord a) {
        addresses.add(a.getAddress());
      } else if (r instanceof AAAARecord aaaa) {
        addresses.add(aaaa.getAddress());
      }
    }
    return addresses;
  }

  /**
   * The answer records of {@code type} (a CNAME chain is followed by the server; its CNAME records are
   * skipped here but their TTLs count). NOERROR without records is an empty answer, not an error.
   */
  private List<Record> query(Name name, int type) throws LookupException {
    String what = name + " " + Type.string(type);
    Message response;
    try {
      response = resolver.send(Message.newQuery(Record.newRecord(name, type, DClass.IN)));
    } catch (IOException e) {
      throw new LookupException(what + ": no answer (" + e.getMessage() + ")");
    }
    int rcode = response.getRcode();
    if (rcode != Rcode.NOERROR) {
      throw new LookupException(what + ": " + Rcode.string(rcode));
    }
    List<Record> records = new ArrayList<>();
    for (Record r : response.getSection(Section.ANSWER)) {
      minTtl = Math.min(minTtl, r.getTTL());
      if (r.getType() == type) {
        records.add(r);
      }
    }
    return records;
  }
}
