"""The veracity HTTP service (FastAPI + uvicorn): `create_app(settings)`, run by `veracity serve`."""

from typing import Any

from veracity.server.binding import BindRefusedError, check_bind, is_loopback
from veracity.server.settings import Settings

__all__ = ["BindRefusedError", "Settings", "check_bind", "create_app", "is_loopback"]


def __getattr__(name: str) -> Any:
    # The app pulls in torch and spaCy: import it only when asked for.
    if name == "create_app":
        from veracity.server.app import create_app

        return create_app
    raise AttributeError(name)
