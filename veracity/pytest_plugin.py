"""pytest plugin (entry point ``pytest11: veracity``): options and fixtures for `veracity.testing`.

Options:
  --veracity-model MODEL     judge model for assert_judged / assert_preferred and the judge fixtures
                             (default $VERACITY_TEST_MODEL, else the offline ``local/smollm2``)
  --veracity-resamples K     prompt paraphrases per pointwise judgement (default 1)
  --veracity-cache PATH      LLM cache file (default ``.pytest_cache/d/veracity/llm.sqlite``, shared
                             across runs, so a second run makes no model call); ``none`` disables it

Fixtures (session-scoped): ``veracity_model``, ``veracity_cache``, ``veracity_client`` (the one
`LLMClient`, whose ``stats`` count calls, tokens and cost), ``veracity_checker`` (`FactChecker`),
``veracity_judge`` (`ResampledJudge` with k = resamples), ``veracity_pairwise_judge``,
``veracity_rubric_judge``. Importing this module is cheap: models load on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from veracity import testing


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("veracity", "veracity judges and fact checks")
    group.addoption("--veracity-model", default=None, help="judge model (default: $VERACITY_TEST_MODEL or local/smollm2)")
    group.addoption("--veracity-resamples", type=int, default=1, help="prompt paraphrases per pointwise judgement")
    group.addoption("--veracity-cache", default=None, help="LLM cache file, or 'none' (default: in .pytest_cache)")


def _cache_path(config: pytest.Config) -> Path | None:
    option = config.getoption("--veracity-cache")
    if option is not None:
        return None if option.lower() == "none" else Path(option)
    cache = getattr(config, "cache", None)  # absent under -p no:cacheprovider
    if cache is None:
        return None
    return cache.mkdir("veracity") / "llm.sqlite"


def pytest_configure(config: pytest.Config) -> None:
    resamples = config.getoption("--veracity-resamples")
    if resamples < 1:
        raise pytest.UsageError("--veracity-resamples must be >= 1")
    testing.configure(
        model=config.getoption("--veracity-model") or None, resamples=resamples, cache=_cache_path(config)
    )


def pytest_report_header(config: pytest.Config) -> str:
    s = testing.settings
    return f"veracity: model={s.model} resamples={s.resamples} cache={s.cache}"


@pytest.fixture(scope="session")
def veracity_model() -> str:
    return testing.settings.model


@pytest.fixture(scope="session")
def veracity_cache() -> Path | str | None:
    return testing.settings.cache


@pytest.fixture(scope="session")
def veracity_client() -> Any:
    return testing.settings.client()


@pytest.fixture(scope="session")
def veracity_checker() -> Any:
    return testing.settings.checker()


@pytest.fixture(scope="session")
def veracity_judge(veracity_client: Any) -> Any:
    from veracity.judges.resampled import ResampledJudge

    return ResampledJudge(veracity_client, k=testing.settings.resamples)


@pytest.fixture(scope="session")
def veracity_pairwise_judge(veracity_client: Any) -> Any:
    from veracity.judges.llm import PairwiseJudge

    return PairwiseJudge(veracity_client)


@pytest.fixture(scope="session")
def veracity_rubric_judge(veracity_client: Any) -> Any:
    from veracity.judges.rubric import RubricJudge

    return RubricJudge(veracity_client)
