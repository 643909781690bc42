"""The app's guard (ASGI middleware) and its security headers.

The server answers only to the host names it was started for (a page on another site
that points a name of its own at 127.0.0.1 gets nothing: no DNS rebinding), refuses a
form sent from another site (``Origin``, ``Sec-Fetch-Site``), refuses bodies bigger than
an upload may be, and sends a Content-Security-Policy with every answer that lets a page
load and reach nothing but this server.
"""

from __future__ import annotations

from urllib.parse import urlsplit

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'")
MAP_CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; "
           "frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")


class Guard:
    """ASGI middleware: known host names only, no forms from other sites, bodies no
    bigger than an upload may be, and the security headers on every answer."""

    def __init__(self, app, *, hosts: tuple[str, ...], max_body: int):
        self.app = app
        self.hosts = {h.lower().strip("[]") for h in hosts}
        self.max_body = max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        name = urlsplit(f"//{host}").hostname or ""
        if "*" not in self.hosts and name.lower() not in self.hosts:
            return await _plain(send, 421, "This server answers only to " + ", ".join(sorted(self.hosts)) + ".")
        if scope["method"] not in ("GET", "HEAD"):
            origin = headers.get("origin")
            if (origin and origin != "null" and urlsplit(origin).netloc != host) or \
                    headers.get("sec-fetch-site") == "cross-site":
                return await _plain(send, 403, "Forms from other sites are refused.")
            if int(headers.get("content-length") or 0) > self.max_body:
                return await _plain(send, 413, f"The request is larger than {self.max_body // 2**20} MB.")
        seen = 0

        async def limited():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_body:
                raise ValueError("request body too large")
            return message

        async def secured(message):
            if message["type"] == "http.response.start":
                have = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
                         (b"referrer-policy", b"no-referrer"), (b"x-frame-options", b"SAMEORIGIN"),
                         (b"cache-control", b"no-store"), (b"cross-origin-opener-policy", b"same-origin")]
                message["headers"] = list(message.get("headers", [])) + [(k, v) for k, v in extra if k not in have]
            await send(message)

        return await self.app(scope, limited, secured)


async def _plain(send, status: int, text: str) -> None:
    body = text.encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
