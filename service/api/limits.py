"""Per-client request limits for the HTTP surface: in this process's memory, or in Redis so that
every API process of a deployment counts against the same buckets."""
from __future__ import annotations

import math
import threading
import time


class RateLimiter:
    """A token bucket per client key: `per_minute` requests, refilled continuously."""

    def __init__(self, per_minute: int):
        self.rate = per_minute / 60.0
        self.capacity = float(per_minute)
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> float:
        """0 when allowed, else seconds until the next request would be."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return max(1.0, math.ceil((1 - tokens) / self.rate))


# One token bucket per key, updated atomically by Redis: KEYS[1] bucket; ARGV rate/s, capacity, now.
_BUCKET = """
local tokens = tonumber(redis.call('HGET', KEYS[1], 't') or ARGV[2])
local last = tonumber(redis.call('HGET', KEYS[1], 'l') or ARGV[3])
tokens = math.min(tonumber(ARGV[2]), tokens + math.max(0, tonumber(ARGV[3]) - last) * tonumber(ARGV[1]))
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'l', ARGV[3])
redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2]) / tonumber(ARGV[1])) + 60)
return {allowed, tostring(tokens)}
"""


class RedisRateLimiter(RateLimiter):
    """The same buckets kept in Redis (the server's clock, so processes on machines whose clocks
    differ still agree)."""

    def __init__(self, per_minute: int, url: str, name: str):
        super().__init__(per_minute)
        import redis

        self.client = redis.Redis.from_url(url)
        self.prefix = f"newsdesk:limit:{name}:"
        self._script = self.client.register_script(_BUCKET)

    def check(self, key: str) -> float:
        if self.rate <= 0:
            return 0.0
        seconds, micros = self.client.time()
        allowed, tokens = self._script(keys=[self.prefix + key], args=[self.rate, self.capacity, seconds + micros / 1e6])
        if allowed:
            return 0.0
        return max(1.0, math.ceil((1 - float(tokens)) / self.rate))


def rate_limiter(per_minute: int, redis_url: str | None, name: str) -> RateLimiter:
    return RedisRateLimiter(per_minute, redis_url, name) if redis_url else RateLimiter(per_minute)
