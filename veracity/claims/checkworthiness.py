"""Check-worthiness: which sentences state no checkable fact, and why.

The rules are data: `SKIP_RULES` is a tuple of `SkipRule(name, reason, pattern)`, tried in order on the
sentence (leading list markers removed, case ignored); the first match names the reason. Pass your own
tuple to `SpacyClaimExtractor(skip_rules=...)` to tune them, e.g. ``SKIP_RULES + (SkipRule(...),)``.
The parse-based checks (questions, imperatives, verbless text) live in `filters.skip_reason`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from veracity.types import SkipReason

__all__ = ["SKIP_RULES", "SkipRule", "match_rule"]


@dataclass(frozen=True)
class SkipRule:
    """A sentence matching `pattern` (a regex, searched case-insensitively) is skipped for `reason`."""

    name: str
    reason: SkipReason
    pattern: str


SKIP_RULES: tuple[SkipRule, ...] = (
    # greetings, thanks and filler
    SkipRule("greeting", "greeting", r"^(hi|hello|hey|greetings|dear)\b"),
    SkipRule("praise-question", "greeting", r"\b(great|good|excellent|interesting|fantastic) question\b"),
    SkipRule("thanks", "greeting", r"^(thanks|thank you|you'?re welcome|hope this helps|good luck|best regards|cheers)\b"),
    SkipRule("hope-helps", "meta", r"\b(i|we) hope (this|that|it|these|my)\b"),
    SkipRule("here-is", "meta", r"^here(?:'s| is| are)\b"),
    SkipRule("summary-meta", "meta", r"^(in (summary|conclusion|short)|to (summari[sz]e|conclude|sum up)|overall),"),
    # opinions
    SkipRule("i-think", "opinion", r"\b(i|we) (personally |really |honestly |strongly )?(think|believe|feel|guess|suppose|reckon|assume|love|like|prefer|recommend|suggest)\b"),
    SkipRule("in-my-opinion", "opinion", r"\bin my (humble )?(opinion|view|experience|understanding)\b"),
    SkipRule("personally", "opinion", r"^personally\b"),
    SkipRule("i-would-say", "opinion", r"\b(it seems to me|imo|imho|i would say|i'd say)\b"),
    SkipRule("taste", "opinion", r"\b(is|are|was|were) (truly |really |simply |absolutely )?(beautiful|amazing|wonderful|awesome|delicious|lovely|fascinating|incredible|breathtaking|a must[- ]see)\b"),
    SkipRule("subjective-depends", "opinion", r"\b(it|this|that) (ultimately |really )?depends on\b|\bmatter of (personal )?(taste|preference|opinion)\b|\bsubjective\b"),
    # hedged speculation
    SkipRule("hedge-impossible", "hedge", r"\b(it is|it's) (difficult|hard|impossible|not possible) to (say|know|predict|determine|tell)\b"),
    SkipRule("hedge-unclear", "hedge", r"^(it is|it's) (unclear|uncertain|not clear|unknown) (whether|if|what|how|why|when)\b"),
    SkipRule("hedge-may-vary", "hedge", r"\b(may|might|can|could) vary\b|\bvaries (depending|from person)\b"),
    # disclaimers and talk about the assistant
    SkipRule("as-an-ai", "meta", r"\bas an? (ai|artificial intelligence|(large |ai )?language model|ai assistant|assistant)\b"),
    SkipRule("not-a", "meta", r"\bi(?:'m| am) (not|just|only) an?\b"),
    SkipRule("sorry", "meta", r"\bi(?:'m| am) (sorry|unable|afraid)\b"),
    SkipRule("apologise", "meta", r"\bi apologi[sz]e\b"),
    SkipRule("cannot", "meta", r"\bi (cannot|can't|can not|do not|don't) (have|provide|give|browse|access|offer|predict)\b"),
    SkipRule("cutoff", "meta", r"\bmy (knowledge|training) (cutoff|cut-off|data)\b"),
    SkipRule("not-advice", "meta", r"\bnot (medical|legal|financial|professional) advice\b"),
    # advice and instructions
    SkipRule("consult", "advice", r"\b(consult|speak with|talk to|check with|seek) (a|an|your|with a|professional) \w*\s?(doctor|physician|lawyer|professional|expert|specialist|advisor|help|advice)\b"),
    SkipRule("imperative-opener", "advice", r"^(please|kindly|let me|let's|let us|make sure|be sure|remember|note that|don't forget|do not forget|feel free|keep in mind|try to|consider|always|never)\b"),
    SkipRule("you-should", "advice", r"\b(you|one|we) (should|must|need to|ought to|might want to|may want to|could try)\b"),
    SkipRule("it-is-important", "advice", r"^(it is|it's) (important|essential|crucial|vital|advisable|recommended|best|a good idea|always a good idea) (to (?!note|mention|remember|understand)|that)\b"),
)


@lru_cache(maxsize=8)
def _compiled(rules: tuple[SkipRule, ...]) -> list[tuple[SkipRule, re.Pattern[str]]]:
    return [(rule, re.compile(rule.pattern, re.IGNORECASE)) for rule in rules]


_LEADING_JUNK = re.compile(r"^[\W\d_]*(?:[A-Za-z][.)]\s+)?")  # list markers: "1.", "- ", "B) "


def match_rule(text: str, rules: tuple[SkipRule, ...] = SKIP_RULES) -> SkipRule | None:
    """The first rule of `rules` that `text` matches (list markers ignored), or None."""
    body = _LEADING_JUNK.sub("", text.strip(), count=1)
    for rule, pattern in _compiled(rules):
        if pattern.search(body):
            return rule
    return None
