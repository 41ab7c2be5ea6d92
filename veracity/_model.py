"""The one base of the data models that cross stages: frozen pydantic, unknown fields refused."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """Immutable (`frozen=True`) and strict about its fields (`extra="forbid"`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
