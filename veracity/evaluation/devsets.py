"""Registry of claim/evidence dev sets and helpers to load them."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path

from veracity.errors import VeracityError
from veracity.evaluation.loaders import LOADERS, DevsetNotFoundError, Loader
from veracity.evaluation.pairs import ClaimEvidencePair

__all__ = [
    "DEVSETS",
    "LICENCES",
    "NON_COMMERCIAL",
    "ClaimEvidencePair",
    "DevsetNotFoundError",
    "load_all",
    "load_devset",
]

DEVSETS: dict[str, Loader] = dict(LOADERS)
"""Dev-set name -> loader taking the root data folder."""

LICENCES: dict[str, str] = {
    "scifact": "CC BY 4.0 (claims) / ODC-By 1.0 (abstracts)",
    "climate_fever": "none stated (research use); evidence from Wikipedia, CC BY-SA",
    "healthver": "none stated (research use)",
    "covidfact": "none stated (research use)",
    "fever_symmetric": "CC BY-SA 3.0",
    "wice": "Wikipedia CC BY-SA + Common Crawl terms (research use)",
    "begin": "CC BY 4.0 (wow, cmu); CDLA-Sharing 1.0 (tc)",
    "attributionbench": "none stated (research use)",
    "qags": "none stated (research use)",
    "averitec": "CC BY-NC 4.0",
}

NON_COMMERCIAL: frozenset[str] = frozenset({"averitec"})
"""Dev sets that may be evaluated on but never copied into the repository."""


def load_devset(name: str, data_dir: Path | str) -> list[ClaimEvidencePair]:
    """Load one dev set from ``data_dir/<name>/``.

    Raises :class:`VeracityError` for an unknown name and
    :class:`DevsetNotFoundError` (a ``VeracityError``) when its files are missing.
    """
    try:
        loader = DEVSETS[name]
    except KeyError:
        known = ", ".join(sorted(DEVSETS))
        raise VeracityError(f"unknown dev set {name!r}; known: {known}") from None
    return loader(Path(data_dir))


def load_all(
    data_dir: Path | str, names: Iterable[str] | None = None
) -> dict[str, list[ClaimEvidencePair]]:
    """Load several dev sets (all by default), skipping missing ones with a warning."""
    out: dict[str, list[ClaimEvidencePair]] = {}
    for name in DEVSETS if names is None else names:
        try:
            out[name] = load_devset(name, data_dir)
        except DevsetNotFoundError as exc:
            warnings.warn(f"skipping dev set {name!r}: {exc}", stacklevel=2)
    return out
