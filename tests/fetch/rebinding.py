"""A name resolver stub for the DNS-rebinding test, plugged in at the Twisted resolver level.

:class:`RebindingResolver` is kliping's :class:`~fetch.guard.GuardedResolver` whose upstream is
:class:`LoopbackStub` instead of the system's resolver: names under ``.kliping.test`` get the
answers listed in ``KLIPING_TEST_DNS_ANSWERS`` in turn (the last one repeated), every other name
fails to resolve. The stub answers loopback addresses only (it refuses to be configured with any
other), so no packet of the test can leave the machine whatever the guard does. Each answer is
appended to the file ``KLIPING_TEST_DNS_LOG`` names, for the test to read.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from typing import Any

from twisted.internet import defer
from twisted.internet.error import DNSLookupError

from fetch.guard import GuardedResolver

ANSWERS_VARIABLE = "KLIPING_TEST_DNS_ANSWERS"
LOG_VARIABLE = "KLIPING_TEST_DNS_LOG"
DOMAIN = ".kliping.test"


class LoopbackStub:
    """``IResolverSimple``: the configured loopback answers in turn, for test names only."""

    def __init__(self, answers: Sequence[str], log_path: str) -> None:
        for answer in answers:
            if not ipaddress.ip_address(answer).is_loopback:
                raise ValueError(f"the DNS stub answers loopback addresses only, not {answer}")
        self.answers = list(answers)
        self.log_path = log_path
        self.calls = 0

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        if not name.endswith(DOMAIN) or not self.answers:
            return defer.fail(DNSLookupError(name))
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(f"{name} {answer}\n")
        return defer.succeed(answer)


class RebindingResolver(GuardedResolver):
    """The guard's resolver over :class:`LoopbackStub`."""

    @classmethod
    def upstream(cls, crawler: Any, reactor: Any) -> LoopbackStub:
        answers = [a for a in os.environ.get(ANSWERS_VARIABLE, "").split(",") if a]
        return LoopbackStub(answers, os.environ[LOG_VARIABLE])
