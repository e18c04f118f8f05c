"""The destination guard in Scrapy and Twisted: every request checked, every connection pinned.

:mod:`fetch.destinations` says which addresses are off limits; this module applies it at the two
places a request can be sent somewhere it should not go:

- :class:`DestinationGuard`, a downloader middleware ahead of every other (robots.txt included),
  checks each request's host *as written*: the first request, each redirect hop (Scrapy schedules
  it as a new request), URL-list lines, feed and sitemap entries alike. IP literals in every
  spelling and names that are local by definition are refused here, before anything is sent. With
  a forward proxy (``KLIPING_PROXY``, ``http_proxy``...) this is the whole check: the proxy
  resolves the target's name, and the proxy's own address is not the target's.
- :class:`GuardedResolver` is the reactor's name resolver (``TWISTED_DNS_RESOLVER``), the only
  way Twisted's ``HostnameEndpoint`` learns where to connect. It resolves once, checks each
  address and hands on only the addresses that passed, so the connection goes to the very
  address that was checked: a name that answers a public address to a first lookup and
  ``127.0.0.1`` to the next (DNS rebinding) never gets a connection to the second. The configured
  proxies' host names are the resolver's only exemption.

A refused request fails with :class:`BlockedDestination` (an ``IgnoreRequest``: not retried),
is counted once as ``kliping/skipped/blocked_destination`` with its URL in
``kliping/blocked_destinations`` (the run summary's ``blocked_destinations``), and gets one
WARNING line. Nothing was sent, so no WARC record is written for it. docs/security.md says what
the guard covers and what it does not.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit
from urllib.request import getproxies

from scrapy import Request, Spider, signals
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object
from scrapy.utils.url import add_http_if_no_scheme
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver, IHostResolution
from zope.interface import implementer

from fetch.destinations import AllowlistError, DestinationPolicy, Refusal, ip_literal, normalize_host

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.internet.defer import Deferred
    from twisted.internet.interfaces import IAddress

logger = logging.getLogger(__name__)

#: Stats key counting refused requests (shown as ``skipped.blocked_destination``).
BLOCKED_KEY = "kliping/skipped/blocked_destination"
#: Stats key listing the first :data:`MAX_LISTED` refusals as ``{url, address, reason}``.
BLOCKED_LIST_KEY = "kliping/blocked_destinations"
MAX_LISTED = 100
#: Close reason and stats key when the guard cannot work (a bad allowlist, another resolver).
CLOSE_REASON = "kliping_guard_unusable"
_STOPPED_KEY = "kliping/stopped"

ALLOWLIST_SETTING = "KLIPING_ALLOWED_DESTINATIONS"


class BlockedDestination(IgnoreRequest):
    """A request the destination guard refused; counted and logged where it was raised."""

    def __init__(self, url: str, refusal: Refusal) -> None:
        super().__init__(f"blocked destination: {refusal}")
        self.url = url
        self.refusal = refusal


def policy_from_settings(settings: BaseSettings) -> DestinationPolicy:
    """The policy ``KLIPING_ALLOWED_DESTINATIONS`` describes (:class:`AllowlistError` if it cannot)."""
    return DestinationPolicy.from_setting(settings.getlist(ALLOWLIST_SETTING))


def resolver_setting(settings: BaseSettings) -> str:
    """The resolver class Scrapy installs (``DNS_RESOLVER`` still wins when set above its default)."""
    legacy = settings.getpriority("DNS_RESOLVER") or 0
    if legacy > 0 and legacy >= (settings.getpriority("TWISTED_DNS_RESOLVER") or 0):
        return str(settings["DNS_RESOLVER"])
    return str(settings["TWISTED_DNS_RESOLVER"])


def guard_problem(settings: BaseSettings) -> str | None:
    """One line saying why the guard cannot work with these settings, or None."""
    try:
        policy_from_settings(settings)
    except AllowlistError as exc:
        return f"setting {ALLOWLIST_SETTING}: {exc}"
    name = resolver_setting(settings)
    try:
        cls = load_object(name)
    except (ImportError, NameError, ValueError, AttributeError) as exc:
        return f"setting TWISTED_DNS_RESOLVER: cannot load {name} ({exc})"
    if not (isinstance(cls, type) and issubclass(cls, GuardedResolver)):
        return (
            f"setting TWISTED_DNS_RESOLVER: {name} does not check addresses after DNS; use "
            "fetch.guard.GuardedResolver or a subclass (docs/security.md)"
        )
    return None


def safe_url(url: str) -> str:
    """``url`` without a user and password, fit for a log line or the summary."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()


def refuse(crawler: Crawler | None, request: Request, refusal: Refusal) -> BlockedDestination:
    """Count and log one refusal of ``request``; the exception to raise for it."""
    url = safe_url(request.url)
    stats = crawler.stats if crawler is not None else None
    if stats is not None:
        stats.inc_value(BLOCKED_KEY)
        listed = stats.get_value(BLOCKED_LIST_KEY) or []
        if len(listed) < MAX_LISTED:
            entry = {"url": url, "address": refusal.address, "reason": refusal.reason}
            stats.set_value(BLOCKED_LIST_KEY, [*listed, entry])
    logger.warning("blocked destination: %s (%s; %s lets it through)", url, refusal, ALLOWLIST_SETTING)
    return BlockedDestination(url, refusal)


class DestinationGuard:
    """Downloader middleware refusing requests whose host, as written, is off limits (an IP
    literal in any spelling, a local name); see the module docstring. It sits ahead of every
    other middleware, so a refused request makes no robots.txt request either."""

    def __init__(self, crawler: Crawler, policy: DestinationPolicy | None, problem: str | None) -> None:
        self.crawler = crawler
        self.policy = policy
        self.problem = problem
        if problem:
            logger.error("%s", problem)
            crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DestinationGuard:
        problem = guard_problem(crawler.settings)
        return cls(crawler, None if problem else policy_from_settings(crawler.settings), problem)

    def spider_opened(self, spider: Spider) -> None:
        # Fail closed: a guard that cannot check lets nothing out.
        stats = self.crawler.stats
        if stats is not None and not stats.get_value(_STOPPED_KEY):
            stats.set_value(_STOPPED_KEY, self.problem)
            stats.inc_value(f"kliping/errors/{CLOSE_REASON.removeprefix('kliping_')}")
        raise CloseSpider(CLOSE_REASON)

    def process_request(self, request: Request) -> None:
        if self.policy is None:
            raise IgnoreRequest(f"destination guard unusable: {self.problem}")
        refusal = self.policy.check_url(request.url)
        if refusal is not None:
            raise refuse(self.crawler, request, refusal)


class SimpleResolver(Protocol):
    """Twisted's ``IResolverSimple`` as mypy reads it (zope interfaces it cannot)."""

    def getHostByName(self, name: str, timeout: Sequence[int] = ...) -> Deferred[str]: ...


class ResolutionReceiver(Protocol):
    """Twisted's ``IResolutionReceiver`` as mypy reads it."""

    def resolutionBegan(self, resolution: Any) -> None: ...

    def addressResolved(self, address: Any) -> None: ...

    def resolutionComplete(self) -> None: ...


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        """Nothing to cancel: the answer is dropped when it comes."""


def configured_proxy_hosts(settings: BaseSettings) -> frozenset[str]:
    """Host names of the forward proxies requests go through: ``KLIPING_PROXY`` and, when
    Scrapy's ``HttpProxyMiddleware`` is on, the ``*_proxy`` environment variables."""
    urls = [str(settings.get("KLIPING_PROXY") or "")]
    if settings.getbool("HTTPPROXY_ENABLED", True):
        urls += [url for scheme, url in getproxies().items() if scheme != "no"]
    hosts = set()
    for url in urls:
        if not url:
            continue
        try:
            host = urlsplit(add_http_if_no_scheme(url)).hostname
        except ValueError:
            continue
        if host:
            hosts.add(host.lower())
    return frozenset(hosts)


@implementer(IHostnameResolver)
class GuardedResolver:
    """``TWISTED_DNS_RESOLVER``: Scrapy's caching threaded resolver (``DNS_TIMEOUT``,
    ``DNSCACHE_*``) with every answer checked before Twisted may connect to it.

    IP literals are not looked up: the address they spell is checked and handed on as such, so
    ``0177.0.0.1`` connects to ``127.0.0.1`` if it connects at all. Subclasses may override
    :meth:`upstream` to resolve differently (the tests plug a stub in there).
    """

    #: Refusals remembered per host name, for :meth:`refusal_for`.
    MAX_REMEMBERED = 10_000

    def __init__(self, reactor: Any, settings: BaseSettings, upstream: SimpleResolver) -> None:
        self.reactor = reactor
        self.policy = policy_from_settings(settings)
        self.proxy_hosts = configured_proxy_hosts(settings)
        self._upstream = upstream
        self._refused: OrderedDict[str, Refusal] = OrderedDict()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        # Scrapy passes its CrawlerProcess here, whose settings are the run's (Scrapy's own
        # resolvers read nothing else either).
        return cls(reactor, crawler.settings, cls.upstream(crawler, reactor))

    @classmethod
    def upstream(cls, crawler: Any, reactor: Any) -> SimpleResolver:
        """The resolver asked for names: Scrapy's default, with its timeout and cache."""
        return CachingThreadedResolver.from_crawler(crawler, reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def refusal_for(self, host: str) -> Refusal | None:
        """The refusal behind the last failed resolution of ``host``, if the guard refused it."""
        return self._refused.get(host.lower())

    def _remember(self, host: str, refusal: Refusal | None) -> None:
        key = host.lower()
        self._refused.pop(key, None)
        if refusal is not None:
            self._refused[key] = refusal
            while len(self._refused) > self.MAX_REMEMBERED:
                self._refused.popitem(last=False)
            logger.debug("resolver refused %s: %s", host, refusal)

    def resolveHostName(
        self,
        resolutionReceiver: ResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> _Resolution:
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        wanted = tuple(addressTypes) if addressTypes else (IPv4Address, IPv6Address)
        host = normalize_host(hostName)
        exempt = host in self.proxy_hosts

        def deliver(addresses: Iterable[str]) -> None:
            for text in addresses:
                ip = ip_literal(text)
                assert ip is not None
                if not exempt:
                    refusal = self.policy.check_address(ip, host)
                    self._remember(host, refusal)
                    if refusal is not None:
                        continue
                kind = IPv4Address if ip.version == 4 else IPv6Address
                if kind in wanted:
                    resolutionReceiver.addressResolved(kind("TCP", str(ip), portNumber))
            resolutionReceiver.resolutionComplete()

        try:
            literal = ip_literal(host)
        except ValueError as exc:
            if not exempt:
                self._remember(host, Refusal(hostName, f"ambiguous ({exc})"))
            resolutionReceiver.resolutionComplete()
            return resolution
        if literal is not None:
            deliver([str(literal)])
            return resolution
        d = self._upstream.getHostByName(host)
        d.addCallback(lambda address: deliver([address]))

        def failed(failure: Any) -> None:
            logger.debug("could not resolve %s: %s", host, failure.getErrorMessage())
            self._remember(host, None)  # a lookup that failed is no refusal
            resolutionReceiver.resolutionComplete()

        d.addErrback(failed)
        return resolution


def resolver_refusal(request: Request) -> Refusal | None:
    """Why the installed :class:`GuardedResolver` refused ``request``'s host, if it did (a
    request through a proxy: never, the proxy resolves its targets)."""
    if request.meta.get("proxy"):
        return None
    from twisted.internet import reactor

    resolver = getattr(reactor, "nameResolver", None)
    host = urlsplit(request.url).hostname
    if not isinstance(resolver, GuardedResolver) or not host:
        return None
    return resolver.refusal_for(normalize_host(host))


__all__ = [
    "ALLOWLIST_SETTING",
    "BLOCKED_KEY",
    "BLOCKED_LIST_KEY",
    "CLOSE_REASON",
    "BlockedDestination",
    "DestinationGuard",
    "GuardedResolver",
    "configured_proxy_hosts",
    "guard_problem",
    "policy_from_settings",
    "refuse",
    "resolver_refusal",
    "safe_url",
]
