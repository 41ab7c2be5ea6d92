"""Every shipped prompt version is pinned: provenance in its header, its template's sha256 in released.json."""

from __future__ import annotations

import hashlib
import json
from importlib import resources

import pytest

from veracity.prompts import Prompt, available_prompts, available_versions, load_prompt

RELEASED = json.loads(resources.files("veracity.prompts").joinpath("released.json").read_text(encoding="utf-8"))
SHIPPED = [f"{name}/v{v}" for name in available_prompts() for v in available_versions(name)]


def test_every_prompt_file_is_pinned() -> None:
    missing = [f"veracity/prompts/{version}.md" for version in SHIPPED if version not in RELEASED]
    assert not missing, (
        f"prompt files without an entry in veracity/prompts/released.json: {missing}; "
        "add each as \"<name>/v<N>\": \"<load_prompt(name, N).sha256>\" once the prompt is released"
    )
    gone = sorted(set(RELEASED) - set(SHIPPED))
    assert not gone, f"released.json pins prompt versions whose files are gone: {gone}"


@pytest.mark.parametrize("version", SHIPPED)
def test_a_released_template_never_changes(version: str) -> None:
    if version not in RELEASED:
        pytest.fail(f"veracity/prompts/{version}.md has no entry in veracity/prompts/released.json")
    prompt = load_prompt(*version.split("/"))
    assert prompt.sha256 == RELEASED[version], (
        f"veracity/prompts/{version}.md: the template of released prompt {version} changed "
        f"(sha256 {prompt.sha256[:12]}..., pinned {RELEASED[version][:12]}...); "
        "restore it and put the change in a new version file (v<N+1>.md) with its own released.json entry"
    )


@pytest.mark.parametrize("version", SHIPPED)
def test_each_prompt_states_its_provenance_and_output(version: str) -> None:
    prompt = load_prompt(*version.split("/"))
    assert prompt.source and prompt.derived_from and prompt.output, f"veracity/prompts/{version}.md: header lacks source/derived_from/output"
    assert prompt.date and len(prompt.date) == 10 and prompt.date[4] == prompt.date[7] == "-", f"{version}: date must be YYYY-MM-DD"


def test_provenance_lines_are_optional_and_the_hash_is_of_the_template() -> None:
    bare = Prompt(name="x", version="x/v1", text="Say {{word}}.\n")
    assert bare.source is None and bare.output is None
    assert bare.sha256 == hashlib.sha256(b"Say {{word}}.\n").hexdigest()
    assert Prompt(name="x", version="x/v1", text="Say {{word}}!\n").sha256 != bare.sha256
