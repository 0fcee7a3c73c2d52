"""Per-client rate limits of the local gateway: the rules the deployment's WAF applies at the
distribution (infra/waf.py), from the same numbers (infra/config.yaml `rate_limits`, read by
`infra.config.load_config` for both).

Like the WAF's rate-based rules, two rules in order, each over a trailing window: one per
signed-in client, keyed by its Authorization header (the token's subject is not a key WAF can
read; the header that carries it is), and one per source address, counting every request. A
request over either limit gets 429, the API's error body in Chinese and `Retry-After`: the
seconds until the client's count in the window falls back under the limit. Every request a rule
evaluates counts, blocked ones too (so does WAF's), so a client that keeps hammering stays
blocked until it slows down.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from werkzeug.wrappers import Request

from infra.config import RateLimits, load_config


def deployment_limits() -> RateLimits:
    """The limits the WAF rules of a deployment are built from."""
    return load_config().rate_limits


def _token(request: Request) -> str | None:
    return request.headers.get("Authorization") or None


def _address(request: Request) -> str | None:
    return request.remote_addr or "unknown"


class RateLimiter:
    """Thread-safe sliding-window counters per rule and client key."""

    def __init__(self, limits: RateLimits, now: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.window = float(limits.window_seconds)
        self.rules: tuple[tuple[str, int, Callable[[Request], str | None]], ...] = (
            ("PerToken", limits.per_token, _token),
            ("PerIp", limits.per_ip, _address),
        )
        self._now = now
        self._seen: dict[tuple[str, str], deque[float]] = {}
        self._swept = 0.0
        self._lock = threading.Lock()

    def retry_after(self, request: Request) -> int | None:
        """Count `request`; None if it may pass, else the seconds to tell the client to wait."""
        t = self._now()
        with self._lock:
            self._forget_idle(t)
            for name, limit, key_of in self.rules:
                key = key_of(request)
                if key is None:
                    continue
                seen = self._seen.setdefault((name, key), deque())
                while seen and seen[0] <= t - self.window:
                    seen.popleft()
                seen.append(t)
                if len(seen) > limit:
                    # The next request passes once all but `limit - 1` of these have left the
                    # window: when the one at index len - limit leaves.
                    return max(1, math.ceil(seen[len(seen) - limit] + self.window - t))
        return None

    def _forget_idle(self, t: float) -> None:
        """Drop the counters of clients silent for a whole window (memory stays bounded)."""
        if t - self._swept < self.window / 10:
            return
        self._swept = t
        idle = [k for k, seen in self._seen.items() if not seen or seen[-1] <= t - self.window]
        for k in idle:
            del self._seen[k]
