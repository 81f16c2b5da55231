"""Embedded reference targets: faithful stand-ins for the seed systems, with switchable defects.

One small ASGI app per flavour (``chamilo``, ``invoiceninja``, ``pch-sig``) behaves as the real
system does, so the harness can run its built-in profiles on a machine with no server of the
user's own, and prove each check: the clean target passes it, the target with the matching
defect fails it.

    with start("pch-sig", defects=["200-on-wrong-password"]) as target:
        run_the_suite(base_url=target.url, env=target.env)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

from starlette.types import ASGIApp

from authconform.targets import chamilo, invoiceninja, pchsig, tls
from authconform.targets.defects import DEFECTS, ActiveDefects, Defect, UnknownDefect, defects_for, select
from authconform.targets.server import BackgroundServer, TargetStartError
from authconform.targets.settings import FLAVOURS, TargetSettings, check_flavour

_BUILDERS: dict[str, Callable[[TargetSettings, ActiveDefects], ASGIApp]] = {
    "chamilo": chamilo.build,
    "invoiceninja": invoiceninja.build,
    "pch-sig": pchsig.build,
}
_ENVIRONMENTS: dict[str, Callable[[TargetSettings], dict[str, str]]] = {
    "chamilo": chamilo.environment,
    "invoiceninja": invoiceninja.environment,
    "pch-sig": pchsig.environment,
}


def build_app(
    flavour: str, defects: Iterable[str] = (), *, settings: TargetSettings | None = None
) -> ASGIApp:
    """The ASGI app of ``flavour`` with the named defects on.

    Raises ``ValueError`` for an unknown flavour and :class:`UnknownDefect` (a ValueError) naming a
    defect that does not exist for the flavour, with the list of valid ones.
    """
    check_flavour(flavour)
    return _BUILDERS[flavour](settings or TargetSettings(), select(flavour, defects))


def environment(flavour: str, url: str, *, settings: TargetSettings | None = None) -> dict[str, str]:
    """The environment variables the built-in profile of ``flavour`` expects for a target at ``url``."""
    check_flavour(flavour)
    return {**_ENVIRONMENTS[flavour](settings or TargetSettings()), "TARGET_URL": url}


class RunningTarget:
    """A reference target serving on loopback; stop it with :meth:`stop` or a ``with`` block."""

    def __init__(
        self,
        flavour: str,
        defects: tuple[str, ...],
        server: BackgroundServer,
        app: ASGIApp,
        settings: TargetSettings,
    ):
        self.flavour = flavour
        self.defects = defects
        self.settings = settings
        self.app = app
        self._server = server
        host = f"[{server.host}]" if ":" in server.host else server.host
        self.url = f"{server.scheme}://{host}:{server.port}"
        self.ca_file: Path | None = None  # the certificate a client trusts when it serves https (settings.tls)
        self.env: dict[str, str] = environment(flavour, self.url, settings=settings)

    def stop(self) -> None:
        self._server.stop()

    @property
    def running(self) -> bool:
        return self._server.running

    def __enter__(self) -> RunningTarget:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningTarget({self.flavour!r}, url={self.url!r}, defects={list(self.defects)!r})"


def start(
    flavour: str,
    defects: Iterable[str] = (),
    *,
    settings: TargetSettings | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> RunningTarget:
    """Build ``flavour`` with ``defects`` and serve it on a background thread until stopped.

    Returns once the server accepts connections; ``port=0`` picks a free port (see ``.url``).
    """
    names = (defects,) if isinstance(defects, str) else tuple(defects)
    settings = settings or TargetSettings()
    app = build_app(flavour, names, settings=settings)
    certificate = tls.self_signed(host) if settings.tls else None
    server = BackgroundServer(app, host, port, certificate=str(certificate.pem) if certificate else None)
    server.start()
    target = RunningTarget(flavour, names, server, app, settings)
    target.ca_file = certificate.cert_pem if certificate else None
    return target


__all__ = [
    "DEFECTS",
    "FLAVOURS",
    "Defect",
    "RunningTarget",
    "TargetSettings",
    "TargetStartError",
    "UnknownDefect",
    "build_app",
    "defects_for",
    "environment",
    "start",
]
