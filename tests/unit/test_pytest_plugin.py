"""The pytest plugin through pytester: options, fixtures, and a readable failure on an unsupported answer."""

from __future__ import annotations

pytest_plugins = ["pytester"]


def test_plugin_options_and_fixtures(pytester):
    pytester.makepyfile(
        """
        from veracity import testing

        def test_settings(veracity_model, veracity_cache, veracity_judge):
            assert veracity_model == "local/smollm2"
            assert testing.settings.resamples == 3 and veracity_judge.k == 3
            assert str(veracity_cache).endswith("llm.sqlite")
        """
    )
    result = pytester.runpytest("--veracity-model=local/smollm2", "--veracity-resamples=3", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["veracity: model=local/smollm2 resamples=3 cache=*llm.sqlite"])
    bad = pytester.runpytest("--veracity-resamples=0")
    assert bad.ret != 0


def test_unsupported_answer_fails_readably(pytester):
    pytester.makepyfile(
        """
        from veracity.testing import assert_supported

        CONTEXTS = ["The Eiffel Tower is in Paris, France. It was completed in 1889."]

        def test_supported(veracity_checker):
            assert_supported("The Eiffel Tower was completed in 1889.", CONTEXTS, checker=veracity_checker)

        def test_unsupported(veracity_checker):
            assert_supported("The Eiffel Tower was completed in 1889. It stands in Berlin.", CONTEXTS)
        """
    )
    result = pytester.runpytest_subprocess()  # a fresh process: the plugin loads from its entry point
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "*answer is not supported by its contexts: factual precision 0.50 < 1.00 (1 of 2 scored claims supported)*",
        "*- refuted (P(supported)=*): The Eiffel Tower stands in Berlin.*",  # the pronoun resolved
    ])  # fmt: skip
    result.stdout.no_fnmatch_line("*__tracebackhide__*")
