"""Prompts as versioned files, one folder per judge; loaded by the LLM judges.

A prompt lives at ``veracity/prompts/<name>/v<N>.md`` and starts with a header::

    ---
    version: <name>/v<N>
    source: who wrote it, for what
    derived_from: the prompt or paper it follows
    date: YYYY-MM-DD
    output: what the model must return
    ---

The provenance lines are optional (read into `Prompt.source` .. `Prompt.output`); other header lines are
ignored. The rest of the file is the template; ``{{field}}`` placeholders are filled by `Prompt.render`. A template
may be a whole chat (e.g. few-shot turns): lines ``=== system ===``, ``=== user ===`` or
``=== assistant ===`` start a message, and `Prompt.messages` renders each.
The version string goes into every LLM call's ``prompt_version`` (part of the cache key), so a
changed prompt must be a new file, never an edit of an old one: ``released.json`` pins the sha256 of
every shipped version's template (`Prompt.sha256`), and a test fails when one changes.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib import resources

from veracity._model import FrozenModel

__all__ = ["Prompt", "PromptNotFoundError", "available_prompts", "available_versions", "load_prompt"]

_HEADER = re.compile(r"\A---\s*\n(?P<head>.*?)\n---\s*\n", re.S)
_FIELD = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_FILE = re.compile(r"v(\d+)\.md")
_PROVENANCE = ("source", "derived_from", "date", "output")
_ROLE = re.compile(r"^=== (system|user|assistant) ===[ \t]*$", re.M)


class PromptNotFoundError(LookupError):
    """No prompt file for that name or version, or its header does not match its path."""


class Prompt(FrozenModel):
    """One versioned prompt template."""

    name: str
    version: str
    text: str
    source: str | None = None
    derived_from: str | None = None
    date: str | None = None
    output: str | None = None

    @property
    def sha256(self) -> str:
        """The sha256 of the template text (what `released.json` pins)."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def fields(self) -> set[str]:
        """The placeholder names the template uses."""
        return set(_FIELD.findall(self.text))

    def render(self, **values: object) -> str:
        """The template with every ``{{field}}`` replaced in one pass (values are never re-scanned)."""
        missing = self.fields - values.keys()
        if missing:
            raise KeyError(f"prompt {self.version} needs {sorted(missing)}")
        return _FIELD.sub(lambda m: str(values[m.group(1)]), self.text)

    def messages(self, **values: object) -> list[dict[str, str]]:
        """The template as chat messages, each rendered like `render`; no role markers: one user message."""
        parts = _ROLE.split(self.text)
        if len(parts) == 1:
            return [{"role": "user", "content": self.render(**values)}]
        if parts[0].strip():
            raise ValueError(f"prompt {self.version}: text before the first '=== role ===' line")
        missing = self.fields - values.keys()
        if missing:
            raise KeyError(f"prompt {self.version} needs {sorted(missing)}")
        fill = lambda text: _FIELD.sub(lambda m: str(values[m.group(1)]), text.strip())  # noqa: E731
        return [{"role": role, "content": fill(body)} for role, body in zip(parts[1::2], parts[2::2])]


def available_versions(name: str) -> list[int]:
    """Version numbers shipped for prompt `name`, ascending."""
    folder = resources.files(__name__).joinpath(name)
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for f in folder.iterdir() if (m := _FILE.fullmatch(f.name)))


def available_prompts() -> list[str]:
    """Names of the prompts shipped (folders holding at least one ``v<N>.md``), sorted."""
    root = resources.files(__name__)
    return sorted(f.name for f in root.iterdir() if f.is_dir() and available_versions(f.name))


@lru_cache(maxsize=64)
def load_prompt(name: str, version: str | int = "latest") -> Prompt:
    """Load prompt `name` at `version` ("latest", 3, "3", "v3" or "name/v3")."""
    versions = available_versions(name)
    if not versions:
        raise PromptNotFoundError(f"no prompt named {name!r}")
    if version == "latest":
        number = versions[-1]
    else:
        text = str(version).rsplit("/", 1)[-1].lstrip("v")
        if not text.isdigit() or int(text) not in versions:
            raise PromptNotFoundError(f"prompt {name!r} has no version {version!r} (have {versions})")
        number = int(text)
    raw = resources.files(__name__).joinpath(name, f"v{number}.md").read_text(encoding="utf-8")
    match = _HEADER.match(raw)
    expected = f"{name}/v{number}"
    head = dict(
        (k.strip(), v.strip())
        for k, _, v in (line.partition(":") for line in (match.group("head") if match else "").splitlines())
    )
    if head.get("version") != expected:
        raise PromptNotFoundError(f"prompt file {expected}.md must start with a header 'version: {expected}'")
    provenance = {key: head[key] for key in _PROVENANCE if head.get(key)}
    return Prompt(name=name, version=expected, text=raw[match.end() :].strip() + "\n", **provenance)
