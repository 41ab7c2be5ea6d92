"""Moved to `veracity.verifier.training`; this old path is an alias that warns (DeprecationWarning).

`python -m veracity.judges.training` still runs `python -m veracity.verifier.training`.
"""

from veracity.judges._moved import alias

if __name__ == "__main__":
    import sys
    import warnings

    warnings.warn("python -m veracity.judges.training moved to python -m veracity.verifier.training", DeprecationWarning, stacklevel=1)
    from veracity.verifier.training import main

    sys.exit(main())
else:
    alias(__name__, "veracity.verifier.training")
