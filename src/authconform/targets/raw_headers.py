"""Header names as the client spelt them, for reference-target code that must see their case.

ASGI servers hand an app lower-cased header names (as HTTP says names are case-insensitive). A
PHP app that reads ``getallheaders()['X-API-SECRET']`` does see the client's spelling, and so
misses ``x-api-secret``: to reproduce that defect the target needs the raw names. This uvicorn
protocol records them from h11 and puts them in the request scope's extensions.
"""

from __future__ import annotations

from typing import Any

import h11
from starlette.requests import Request
from uvicorn.protocols.http.h11_impl import H11Protocol

EXTENSION = "authconform.raw_header_names"


class RawHeaderNamesProtocol(H11Protocol):
    """uvicorn's h11 protocol, plus ``scope["extensions"][EXTENSION]``: the names as sent."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._raw_names: list[str] | None = None
        next_event = self.conn.next_event

        def recording_next_event() -> Any:
            event = next_event()
            if isinstance(event, h11.Request):
                self._raw_names = [name.decode("latin-1") for name, _ in event.headers.raw_items()]
            return event

        self.conn.next_event = recording_next_event  # type: ignore[method-assign]

    def handle_events(self) -> None:
        """Run uvicorn's loop; a request it started (its task not yet running) gets the raw names."""
        self._raw_names = None
        super().handle_events()
        if self._raw_names is not None and self.scope is not None:
            self.scope.setdefault("extensions", {})[EXTENSION] = self._raw_names  # type: ignore[typeddict-item]


def raw_header_names(request: Request) -> list[str] | None:
    """The request's header names as the client wrote them, or None when the server did not record them."""
    return (request.scope.get("extensions") or {}).get(EXTENSION)
