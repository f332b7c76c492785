"""Close the connection after any answer sent before the request's body was read in full.

A body the app refuses (over the size limit, too slow to arrive, sent without a valid key)
leaves bytes on the connection. Keeping it alive would mean reading and discarding them, so a
client could push a refused 50 MB body through anyway, or hold the connection while trickling
it. ``Connection: close`` on such an answer makes the HTTP server close the connection once
the answer is sent, and tells the client not to reuse it. Answers to requests whose body was
read, or that had none, keep the connection alive as usual.
"""

from __future__ import annotations

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send


def _has_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"transfer-encoding" and b"chunked" in value.lower():
            return True
        if name == b"content-length":
            return value.strip() not in (b"", b"0")
    return False


def close_after_unread_body(app: ASGIApp) -> ASGIApp:
    """ASGI middleware: add ``Connection: close`` to a response that leaves body bytes unread."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or not _has_body(scope):
            await app(scope, receive, send)
            return
        body_read = False

        async def tracking_receive() -> ReceiveMessage:
            nonlocal body_read
            message = await receive()
            if message["type"] == "http.disconnect" or not message.get("more_body", False):
                body_read = True
            return message

        async def closing_send(message: Message) -> None:
            if message["type"] == "http.response.start" and not body_read:
                headers = [*message.get("headers", []), (b"connection", b"close")]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, tracking_receive, closing_send)

    return middleware
