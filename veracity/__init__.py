"""veracity: claim-level fact checking with calibrated verdicts and the evidence that decided them."""

from veracity.errors import (
    EmptyInputError,
    IndexNotFoundError,
    InputFormatError,
    ModelNotAvailableError,
    VeracityError,
)
from veracity.types import Claim, ClaimResult, Document, Evidence, Passage, Report, Summary, Verdict

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
    "Report",
    "Summary",
    "VeracityError",
    "Verdict",
]


def __getattr__(name: str):
    # FactChecker pulls in torch and spaCy: import it only when asked for.
    if name == "FactChecker":
        from veracity.pipeline import FactChecker

        return FactChecker
    raise AttributeError(name)
