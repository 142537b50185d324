"""Who may call the HTTP surface, and from where: one policy for every app the CLI starts.

Keys are compared in constant time on bytes; a caller is identified by a hash of its whole key
(or, without keys, by its address: proxy headers count only from `NEWSDESK_TRUSTED_PROXIES`); a
browser page on another site can neither reach a local server through a name it controls (Host
allow-list, DNS rebinding) nor make it change anything (Origin check on writes).
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
from urllib.parse import urlsplit

from service.settings import Settings

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARD_BINDS = ("0.0.0.0", "::", "")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
SIGNED_PATHS = ("/slack/events",)  # Slack signs each request: no browser can forge one


class ExposureError(RuntimeError):
    """The server cannot be served safely as configured (reachable without a key, a proxy list that
    does not parse); the message says what to set."""


def check_exposure(settings: Settings, host: str | None) -> None:
    """Refuse to serve beyond loopback without keys (unless explicitly allowed), and settings that
    cannot be enforced (a proxy list that does not parse)."""
    _networks(settings.trusted_proxy_list)
    if host is None or host in LOOPBACK_NAMES or settings.api_key_list or settings.allow_unauthenticated:
        return
    raise ExposureError(f"refusing to listen on {host} without API keys: set NEWSDESK_API_KEYS, or pass "
                        "--allow-unauthenticated (NEWSDESK_ALLOW_UNAUTHENTICATED=true)")


def key_id(key: str) -> str:
    """A key's bucket and owner name: the whole key hashed, never a prefix of it."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def bearer(headers) -> str:
    auth = headers.get("authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else ""


def matching_key(token: str, keys: list[str]) -> str | None:
    """The configured key equal to `token`, compared in constant time on bytes (any header text)."""
    given = token.encode("utf-8", "surrogateescape")
    found = None
    for key in keys:
        if hmac.compare_digest(given, key.encode("utf-8")):
            found = key
    return found


def _networks(items: list[str]) -> list:
    out = []
    for item in items:
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ExposureError(f"NEWSDESK_TRUSTED_PROXIES: not an address or network: {item!r}") from None
    return out


def _in(address: str, networks: list) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(peer: str, forwarded_for: str | None, trusted: list[str]) -> str:
    """The peer, or, when the peer is a trusted proxy, the nearest X-Forwarded-For hop that is not."""
    networks = _networks(trusted)
    if not networks or not forwarded_for or not _in(peer, networks):
        return peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
        if not _in(hop, networks):
            return hop
    return peer


def allowed_hosts(settings: Settings, bind_host: str | None) -> list[str] | None:
    """Host names the server answers to; None = any (keys protect it; nothing to rebind)."""
    configured = settings.allowed_host_list
    if configured:
        return None if "*" in configured else configured
    if settings.api_key_list:
        return None
    hosts = list(LOOPBACK_NAMES)
    if bind_host and bind_host not in WILDCARD_BINDS:
        hosts.append(bind_host.lower())
    return hosts


def host_name(value: str) -> str:
    """"example.com:8000" → "example.com"; "[::1]:8000" → "::1"."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class BrowserGuard:
    """ASGI middleware: a Host allow-list, and writes refused from another site's page."""

    def __init__(self, app, hosts: list[str] | None, origins: list[str]):
        self.app, self.hosts, self.origins = app, hosts, [o.rstrip("/").lower() for o in origins]

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"] in SIGNED_PATHS:
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        problem = self._problem(scope["method"], headers)
        if problem:
            from starlette.responses import JSONResponse

            status, message = problem
            return await JSONResponse({"error": message, "status": status}, status_code=status)(scope, receive, send)
        return await self.app(scope, receive, send)

    def _problem(self, method: str, headers: dict[str, str]) -> tuple[int, str] | None:
        host = host_name(headers.get("host", ""))
        if self.hosts is not None and host not in self.hosts:
            return 400, ("this server does not answer to that host name (set NEWSDESK_ALLOWED_HOSTS to "
                         "the names clients use)")
        if method in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        if origin is not None and not self._same_site(origin, host):
            return 403, f"requests from {origin[:100]} may not change anything here (NEWSDESK_CORS_ORIGINS)"
        if origin is None and headers.get("sec-fetch-site") == "cross-site":
            return 403, "cross-site requests may not change anything here"
        return None

    def _same_site(self, origin: str, host: str) -> bool:
        """The page's origin is this server itself (its Host), or an origin allowed by CORS."""
        origin = origin.rstrip("/").lower()
        return origin in self.origins or (origin != "null" and urlsplit(origin).hostname == host.strip("[]"))
