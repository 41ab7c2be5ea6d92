"""Typed errors. Every error a user can meet is a `VeracityError` with a clear message."""


class VeracityError(Exception):
    """Base class: the CLI prints these as one clear line and exits non-zero."""


class EmptyInputError(VeracityError, ValueError):
    """The text to check (or a document) is empty."""


class ModelNotAvailableError(VeracityError):
    """A model name or path cannot be loaded offline."""


class IndexNotFoundError(VeracityError, FileNotFoundError):
    """An index directory is missing or incomplete."""


class InputFormatError(VeracityError, ValueError):
    """An input file cannot be read or parsed."""


class InvalidArgumentError(VeracityError, TypeError, ValueError):
    """A public function got an argument of the wrong type or value; the message names the argument."""


class TimeBudgetExceeded(VeracityError):
    """The work took longer than its time budget and was stopped."""


class ConfigurationChangedError(VeracityError):
    """A batch job resumed with another configuration than the one that wrote its output."""
