"""Moved to `veracity.verifier.calibrate`; this old path is an alias that warns (DeprecationWarning).

`python -m veracity.judges.calibrate_verifier` still runs `python -m veracity.verifier.calibrate`.
"""

from veracity.judges._moved import alias

if __name__ == "__main__":
    import sys
    import warnings

    warnings.warn("python -m veracity.judges.calibrate_verifier moved to python -m veracity.verifier.calibrate", DeprecationWarning, stacklevel=1)
    from veracity.verifier.calibrate import main

    sys.exit(main())
else:
    alias(__name__, "veracity.verifier.calibrate")
