"""Citations and attribution: does each cited passage support its sentence (see the attribution issue)."""
