"""Where the crawler may connect: the destination policy, pure and without Scrapy or Twisted.

A page, a feed entry, a line of a URL list or a redirect can point the crawler anywhere; on a cloud
machine ``http://169.254.169.254/`` hands out the machine's credentials, and ``localhost`` or a
private range reaches admin ports nobody meant to publish. :class:`DestinationPolicy` says whether
an address (after DNS resolution) or a URL's host as written (an IP literal in any spelling, or a
name that is local by definition) may be connected to, and why not.

Refused, unless the allowlist names them:

- IPv4: ``0.0.0.0/8`` (unspecified, "this network"), ``10/8``, ``172.16/12``, ``192.168/16``
  (private), ``100.64/10`` (shared carrier-grade NAT; Alibaba's metadata service is
  ``100.100.100.200``), ``127/8`` (loopback), ``169.254/16`` (link-local: the metadata services of
  AWS, GCP, Azure, OpenStack), ``192.0.0/24``, ``192.0.2/24``, ``192.88.99/24``, ``198.18/15``,
  ``198.51.100/24``, ``203.0.113/24``, ``240/4`` (reserved, documentation, benchmarking, broadcast)
  and ``224/4`` (multicast).
- IPv6: everything outside global unicast ``2000::/3`` (``::``, ``::1``, ``fc00::/7`` unique
  local with AWS's ``fd00:ec2::254``, ``fe80::/10`` link-local, ``ff00::/8`` multicast, ``100::/64``
  discard, ...), and inside it ``2001::/23`` (IETF protocol assignments: Teredo, ORCHID...),
  ``2001:db8::/32`` and ``3fff::/20`` (documentation). An IPv4 address inside IPv6 (IPv4-mapped
  ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``) is judged as that IPv4 address.
- Host names that are local by definition, whatever DNS says: ``localhost`` and ``*.localhost``
  (loopback, RFC 6761), ``*.local`` (mDNS), ``*.internal`` (private use), ``*.home.arpa``, and
  names of one label (``metadata``, ``intranet``: completed by the resolver's search list).

IP literals are read the way browsers and C's ``inet_aton`` read them, so ``2130706433``,
``0177.0.0.1``, ``0x7f.1`` and ``127.1`` are all ``127.0.0.1``; a host that ends in a number but
is no address in any spelling (``1.2.3.999``) is refused as ambiguous.

The allowlist (``KLIPING_ALLOWED_DESTINATIONS``) holds CIDRs or single addresses (any address in
them may be connected to, whatever name led there) and host names (``intranet.example``, or
``*.corp.example`` for every name under it: such a name passes whatever it resolves to).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: IPv4 ranges refused, each with the word a log line and the summary use for it.
BLOCKED_V4: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "unspecified"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared (carrier-grade NAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local (cloud metadata)"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "reserved"),
    ("192.0.2.0/24", "reserved (documentation)"),
    ("192.88.99.0/24", "reserved"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "reserved (benchmarking)"),
    ("198.51.100.0/24", "reserved (documentation)"),
    ("203.0.113.0/24", "reserved (documentation)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
)

#: IPv6 ranges refused (checked after the IPv4 inside an address is unwrapped).
BLOCKED_V6: tuple[tuple[str, str], ...] = (
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("fc00::/7", "private (unique local)"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "reserved (site-local)"),
    ("ff00::/8", "multicast"),
    ("2001::/23", "reserved"),
    ("2001:db8::/32", "reserved (documentation)"),
    ("3fff::/20", "reserved (documentation)"),
)
_GLOBAL_V6 = ipaddress.IPv6Network("2000::/3")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

#: Name suffixes that never name a public host (each also matches the bare name).
LOCAL_NAME_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("localhost", "loopback (localhost)"),
    ("local", "local name (mDNS)"),
    ("internal", "local name (.internal)"),
    ("home.arpa", "local name (home.arpa)"),
)

_V4_PARTS = [ipaddress.IPv4Network(net) for net, _ in BLOCKED_V4]
_V6_PARTS = [ipaddress.IPv6Network(net) for net, _ in BLOCKED_V6]
_NUMBER = re.compile(r"^(?:0[xX][0-9a-fA-F]*|[0-9]+)$")


class AllowlistError(ValueError):
    """An allowlist entry that is neither a CIDR, an address nor a host name (one line)."""


@dataclass(frozen=True)
class Refusal:
    """Why a destination is refused: ``address`` as checked (or the host name) and the reason."""

    address: str
    reason: str

    def __str__(self) -> str:
        return f"{self.address} is {self.reason}"


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """``host`` as an IPv4 address in any spelling ``inet_aton`` and browsers accept (decimal,
    octal with a leading 0, hex with 0x; one to four parts; a trailing dot), or None.

    Raises :class:`ValueError` for a host that ends in a number but is no address (``1.2.3.999``):
    a name no DNS can hold, which some client down the line might still read as an address.
    """
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if not parts or not _NUMBER.match(parts[-1]):
        return None
    if len(parts) > 4 or not all(_NUMBER.match(part) for part in parts):
        raise ValueError(f"{host} ends in a number but is no IP address")
    numbers = [_number(part) for part in parts]
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise ValueError(f"{host} ends in a number but is no IP address")
    value = last
    for index, n in enumerate(head):
        value += n << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _number(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        if any(ch in "89" for ch in part):
            raise ValueError(f"{part} is not an octal number")
        return int(part, 8)
    return int(part)


def ip_literal(host: str) -> IPAddress | None:
    """The address a URL host stands for when it is an IP literal (``[::1]``, ``::1``, any IPv4
    spelling; an IPv6 zone is dropped), else None. ValueError as :func:`parse_ipv4`."""
    text = host.strip("[]")
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text.split("%", 1)[0])
        except ValueError as exc:
            raise ValueError(f"{host} is no IPv6 address") from exc
    return parse_ipv4(text)


def normalize_host(host: str) -> str:
    """A URL host as a resolver or proxy would read it: %-decoded, Unicode-folded (full-width
    digits and dots become ASCII), IDNA-encoded, lower case, without brackets' surroundings."""
    text = unicodedata.normalize("NFKC", unquote(host)).replace("\u3002", ".").strip().lower()
    if text.startswith("["):
        return text
    try:
        return text.encode("idna").decode("ascii")
    except UnicodeError:
        return text


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries (IPv4-mapped, NAT64 well-known prefix, 6to4), if any."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def address_refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not be connected to (``"loopback"``, ``"private"``...), or None."""
    inner = embedded_ipv4(address)
    if inner is not None:
        return address_refusal(inner)
    if isinstance(address, ipaddress.IPv4Address):
        for net, (_, reason) in zip(_V4_PARTS, BLOCKED_V4, strict=True):
            if address in net:
                return reason
        return None
    for net6, (_, reason) in zip(_V6_PARTS, BLOCKED_V6, strict=True):
        if address in net6:
            return reason
    if address not in _GLOBAL_V6:
        return "reserved"
    return None


def local_name_refusal(host: str) -> str | None:
    """Why a host *name* is local by definition (see the module docstring), or None."""
    name = host.rstrip(".")
    if "." not in name:
        return "loopback (localhost)" if name == "localhost" else "a one-label name (resolved locally)"
    for suffix, reason in LOCAL_NAME_SUFFIXES:
        if name == suffix or name.endswith("." + suffix):
            return reason
    return None


@dataclass(frozen=True)
class Allowlist:
    """Addresses and host names let through although the policy would refuse them."""

    networks: tuple[IPNetwork, ...] = ()
    hosts: frozenset[str] = frozenset()
    suffixes: tuple[str, ...] = ()

    @classmethod
    def parse(cls, entries: Iterable[str]) -> Allowlist:
        """From setting entries: ``10.0.0.0/8``, ``127.0.0.1``, ``::1``, ``intranet.example``,
        ``*.corp.example``. Raises :class:`AllowlistError` naming a bad entry."""
        networks: list[IPNetwork] = []
        hosts: set[str] = set()
        suffixes: list[str] = []
        for raw in entries:
            entry = str(raw).strip()
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
                continue
            except ValueError:
                pass
            name = normalize_host(entry.removeprefix("*."))
            if not re.fullmatch(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?", name) or "/" in entry:
                raise AllowlistError(f"{entry!r} is neither a CIDR, an IP address nor a host name")
            try:
                if ip_literal(name) is not None:
                    raise AllowlistError(f"{entry!r} is an unusual IP spelling: write it dotted")
            except ValueError as exc:
                raise AllowlistError(f"{entry!r}: {exc}") from None
            if entry.startswith("*."):
                suffixes.append("." + name.rstrip("."))
            else:
                hosts.add(name.rstrip("."))
        return cls(tuple(networks), frozenset(hosts), tuple(suffixes))

    def allows_address(self, address: IPAddress) -> bool:
        candidates: list[IPAddress] = [address]
        inner = embedded_ipv4(address)
        if inner is not None:
            candidates.append(inner)
        return any(a in net for a in candidates for net in self.networks if a.version == net.version)

    def allows_host(self, host: str) -> bool:
        name = host.rstrip(".")
        return name in self.hosts or any(name.endswith(suffix) for suffix in self.suffixes)


@dataclass(frozen=True)
class DestinationPolicy:
    """The destination guard's rules: refuse internal addresses unless the allowlist names them."""

    allowlist: Allowlist = Allowlist()

    @classmethod
    def from_setting(cls, entries: Iterable[str]) -> DestinationPolicy:
        return cls(Allowlist.parse(entries))

    def check_address(self, address: str | IPAddress, host: str | None = None) -> Refusal | None:
        """The refusal of connecting to ``address`` (reached through the name ``host``, if any)."""
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
        if host is not None and self.allowlist.allows_host(normalize_host(host)):
            return None
        reason = address_refusal(ip)
        if reason is None or self.allowlist.allows_address(ip):
            return None
        inner = embedded_ipv4(ip)
        return Refusal(f"{ip} ({inner})" if inner is not None else str(ip), reason)

    def check_host(self, host: str) -> Refusal | None:
        """The refusal of a URL's host as written, before any DNS: an IP literal in any spelling,
        or a name that is local by definition. None for other names (DNS decides for them)."""
        name = normalize_host(host)
        if self.allowlist.allows_host(name):
            return None
        try:
            ip = ip_literal(name)
        except ValueError as exc:
            return Refusal(host, f"ambiguous ({exc})")
        if ip is not None:
            return self.check_address(ip)
        reason = local_name_refusal(name)
        if reason is None:
            return None
        if reason.startswith("loopback") and (
            self.allowlist.allows_address(ipaddress.IPv4Address("127.0.0.1"))
            or self.allowlist.allows_address(ipaddress.IPv6Address("::1"))
        ):
            return None
        return Refusal(name, reason)

    def check_url(self, url: str) -> Refusal | None:
        """:meth:`check_host` for ``url``'s host; a URL whose host cannot be read is refused."""
        try:
            host = urlsplit(url).hostname
        except ValueError as exc:
            return Refusal(url, f"unreadable ({exc})")
        if not host:
            return None  # no network destination (data:, about:): the download handler decides
        return self.check_host(host)


__all__ = [
    "BLOCKED_V4",
    "BLOCKED_V6",
    "Allowlist",
    "AllowlistError",
    "DestinationPolicy",
    "Refusal",
    "address_refusal",
    "embedded_ipv4",
    "ip_literal",
    "local_name_refusal",
    "normalize_host",
    "parse_ipv4",
]
