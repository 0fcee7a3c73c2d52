"""The local gateway's per-client limits (local/ratelimit.py), over a fake clock, with the
numbers of infra/config.yaml that the deployment's WAF rules use."""

from __future__ import annotations

import math

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from local.ratelimit import RateLimiter, deployment_limits

LIMITS = deployment_limits()


def request(token: str | None = None, ip: str = "10.0.0.1") -> Request:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    env = EnvironBuilder(path="/api/seats", headers=headers).get_environ()
    env["REMOTE_ADDR"] = ip
    return Request(env)


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_one_signed_in_client_gets_its_limit_per_window_then_429_until_it_slows() -> None:
    clock = Clock()
    limiter = RateLimiter(LIMITS, now=clock)
    times = []
    for i in range(LIMITS.per_token):
        clock.t += 0.01
        times.append(clock.t)
        # From many addresses: the token is the client.
        assert limiter.retry_after(request("a", ip=f"10.0.{i % 200}.1")) is None
    wait = limiter.retry_after(request("a", ip="10.9.9.9"))
    # Told to wait until all but limit - 1 of its requests have left the window.
    assert wait == math.ceil(times[1] + LIMITS.window_seconds - clock.t)
    assert limiter.retry_after(request("b", ip="10.9.9.9")) is None  # another client passes
    clock.t += LIMITS.window_seconds
    assert limiter.retry_after(request("a")) is None


def test_one_address_gets_the_larger_per_ip_limit_whoever_signs_in() -> None:
    clock = Clock()
    limiter = RateLimiter(LIMITS, now=clock)
    for i in range(LIMITS.per_ip):
        # Many teachers behind one school address, each under the per-token limit.
        assert limiter.retry_after(request(f"t{i % 100}" if i % 2 else None)) is None
    assert limiter.retry_after(request()) == LIMITS.window_seconds
    assert limiter.retry_after(request(ip="10.0.0.2")) is None
