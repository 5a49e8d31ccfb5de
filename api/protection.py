"""Limits and headers that let the API face an intranet: rate limit, body size, CSP.

* ``RateLimiter``: a token bucket per client address. ``rate`` requests a minute refill it;
  it holds a quarter of a minute's worth (at least 10), so a page that sends a search and
  its facets together is never refused while a script hammering the API is, with
  ``429`` and ``Retry-After``.
* ``SECURITY_HEADERS``: the search page loads only its own script, style and API: the CSP
  allows ``'self'`` and nothing else (no inline script, no eval, no framing by others).
  The widget is a script that other origins load; its requests are CORS requests, allowed
  only from ``VAKSAM_CORS_ORIGINS``.

Usage::

    limiter = RateLimiter(per_minute=120)
    allowed, retry_after = limiter.take("10.0.0.7")
"""

from __future__ import annotations

import threading
import time

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'; object-src 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
MAX_CLIENTS = 10_000  # buckets kept; the idlest are forgotten beyond this


class RateLimiter:
    def __init__(self, per_minute: int, burst: int | None = None) -> None:
        self.rate = per_minute / 60.0
        self.capacity = float(burst if burst is not None else max(10, per_minute // 4))
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str, now: float | None = None) -> tuple[bool, int]:
        """Spend one token of ``client``'s bucket: (allowed, seconds to wait when refused)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens, last = self._buckets.get(client, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[client] = (tokens - 1, now)
                self._forget_idle()
                return True, 0
            self._buckets[client] = (tokens, now)
            return False, max(1, int((1 - tokens) / self.rate + 0.999))

    def _forget_idle(self) -> None:
        if len(self._buckets) > MAX_CLIENTS:
            oldest = sorted(self._buckets, key=lambda c: self._buckets[c][1])[: len(self._buckets) - MAX_CLIENTS]
            for client in oldest:
                del self._buckets[client]
