"""veracity: claim-level fact checking with calibrated verdicts and the evidence that decided them."""

from typing import TYPE_CHECKING

from veracity.errors import (
    EmptyInputError,
    IndexNotFoundError,
    InputFormatError,
    ModelNotAvailableError,
    VeracityError,
)
from veracity.types import Claim, ClaimResult, Document, Evidence, Passage, Report, Summary, Verdict

if TYPE_CHECKING:
    from veracity.attribution.rag import RAGReport
    from veracity.pipeline import FactChecker

__version__ = "0.1.0"

__all__ = [
    "Claim",
    "ClaimResult",
    "Document",
    "EmptyInputError",
    "Evidence",
    "FactChecker",
    "IndexNotFoundError",
    "InputFormatError",
    "ModelNotAvailableError",
    "Passage",
    "RAGReport",
    "Report",
    "Summary",
    "VeracityError",
    "Verdict",
]


def __getattr__(name: str) -> object:
    # FactChecker pulls in torch and spaCy, RAGReport the attribution metrics: import them only when asked for.
    if name == "FactChecker":
        from veracity.pipeline import FactChecker

        return FactChecker
    if name == "RAGReport":
        from veracity.attribution.rag import RAGReport

        return RAGReport
    raise AttributeError(name)
