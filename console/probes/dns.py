"""A-record lookups from a vantage through the data center's resolvers, one after the other until one answers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from drconsole import vantage
from drconsole.probes.net import FailureKind

QUERY_BUDGET = 3.0  # seconds for all resolvers together
QUERY_TIMEOUT = 1.5  # per resolver


@dataclass(frozen=True)
class Silence:
    """A resolver that gave no answer."""

    server: str  # address:port
    kind: FailureKind  # timeout, refused or unreachable
    words: str


@dataclass
class Resolution:
    """What the resolvers said about one name."""

    name: str
    addresses: list[str] = field(default_factory=list)
    server: str | None = None  # the resolver that answered
    rcode: str | None = None  # e.g. NOERROR, NXDOMAIN, SERVFAIL
    silent: list[Silence] = field(default_factory=list)  # the resolvers that did not answer
    ms: float = 0.0

    @property
    def answered(self) -> bool:
        return self.rcode is not None

    @property
    def failures(self) -> list[str]:
        return [s.words for s in self.silent]


def resolve(where: str | None, name: str, resolvers: list[str], port: int) -> Resolution:
    """Ask each resolver in turn (A record, UDP, from `where`) until one answers."""
    import dns.exception
    import dns.message
    import dns.query
    import dns.rcode
    import dns.rdatatype

    started = time.monotonic()
    result = Resolution(name)
    timeout = min(QUERY_TIMEOUT, QUERY_BUDGET / max(1, len(resolvers)))
    for server in resolvers:
        query = dns.message.make_query(name, "A")
        sock = vantage.udp_socket(where)
        at = f"{server}:{port}"
        try:
            sock.connect((server, port))  # connected, so a closed port is reported at once (ICMP)
            reply = dns.query.udp(query, server, port=port, timeout=timeout, sock=sock)
        except dns.exception.Timeout:
            result.silent.append(Silence(at, "timeout", f"{at} did not answer within {timeout:g} s"))
            continue
        except ConnectionRefusedError:
            result.silent.append(Silence(at, "refused", f"{at} refused the query (nothing listens there)"))
            continue
        except OSError as exc:
            result.silent.append(Silence(at, "unreachable", f"{at} unreachable: {exc.strerror or exc}"))
            continue
        finally:
            sock.close()
        result.server, result.rcode = at, dns.rcode.to_text(reply.rcode())
        result.addresses = sorted({item.address for rrset in reply.answer if rrset.rdtype == dns.rdatatype.A
                                   for item in rrset})
        break
    result.ms = round((time.monotonic() - started) * 1000, 1)
    return result
