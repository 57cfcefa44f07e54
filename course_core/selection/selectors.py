"""Loop B's selection rules: which of an item's samples to keep.

Each rule maps a list of samples ``{"index", "completion", "sum_logprob", "reward"}`` to the
position of the chosen one, deterministically:

- ``oracle``: highest reward. Needs the expected answer, so it is an upper bound, not deployable.
- ``majority``: the most common well-formed answer (self-consistency); needs no expected answer.
- ``logprob``: the most likely sample under the policy; needs no expected answer.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from course_core.errors import UserError, did_you_mean
from course_core.measurement.scoring import FORMAT_OK, score_strict

Pick = Callable[[list[dict[str, Any]]], int]


def tie_break_key(sample: dict[str, Any]) -> tuple:
    """Sort key of the oracle: the smallest key wins.

    Higher reward, then higher sum_logprob, then shorter completion, then the completion's
    lexicographic order, then the lower index.
    """
    completion = sample["completion"]  # the fields of _policy_key, spelled out: this runs for every sample
    return (-float(sample["reward"]), -float(sample["sum_logprob"]), len(completion), completion, sample["index"])


def _policy_key(sample: dict[str, Any]) -> tuple:
    """The oracle-free part of the key: higher sum_logprob, shorter, lexicographic, lower index."""
    completion = sample["completion"]
    return (-float(sample["sum_logprob"]), len(completion), completion, sample["index"])


def pick_best(samples: list[dict[str, Any]]) -> int:
    """Oracle best-of-N: the position of the sample with the smallest :func:`tie_break_key`."""
    if not samples:
        raise ValueError("pick_best needs at least one sample")
    rewards, logprobs, completions, indexes = _columns(samples, "reward")
    return best_of_columns([float(r) for r in rewards], logprobs, completions, indexes)


def pick_logprob(samples: list[dict[str, Any]]) -> int:
    """The most likely sample: highest sum_logprob, then shorter, then lexicographic, then lower index."""
    if not samples:
        raise ValueError("pick_logprob needs at least one sample")
    return likeliest_of_columns(*_columns(samples, "reward")[1:])


# The two rules over the samples' columns, which is what they run on: the position of the first
# smallest key, the keys zipped from the columns (no per-sample dict or key function). A run
# of the kit's own selectors calls these directly.


def best_of_columns(rewards: list[float], logprobs: list[Any], completions: list[str], indexes: Iterable[Any]) -> int:
    """:func:`pick_best` over columns: (-reward, -sum_logprob, length, completion, index), first smallest."""
    top = max(rewards)
    if rewards.count(top) == 1:
        # A reward no other equals decides alone: min() over the keys moves to a sample exactly
        # when max() over the rewards does, NaN or not, so both end on it. float() still meets
        # every sum_logprob, and refuses the same ones (an int past float's range).
        list(map(float, logprobs))
        return rewards.index(top)
    keys = zip([-float(r) for r in rewards], [-float(x) for x in logprobs], map(len, completions), completions, indexes,
               itertools.count())
    return min(keys)[-1]


def likeliest_of_columns(logprobs: list[Any], completions: list[str], indexes: Iterable[Any]) -> int:
    """:func:`pick_logprob` over columns: (-sum_logprob, length, completion, index), first smallest."""
    keys = zip([-float(x) for x in logprobs], map(len, completions), completions, indexes, itertools.count())
    return min(keys)[-1]


def _columns(samples: list[dict[str, Any]], first: str) -> tuple[list[Any], list[Any], list[str], list[Any]]:
    return ([s[first] for s in samples], [s["sum_logprob"] for s in samples], [s["completion"] for s in samples],
            [s["index"] for s in samples])


def parsed_answer(completion: Any) -> int | None:
    """The integer a well-formed completion states, read with no reference answer in sight.

    Uses the strict format (whatever scorer the run grades with), so the weak scorer's habit of
    reporting the expected answer as "parsed" cannot leak the answer into a deployable selector.
    """
    verdict = score_strict({"expected_answer": 0}, completion)  # placeholder: only parsing is used
    if verdict["outcome"] not in FORMAT_OK:
        return None
    return verdict["details"].get("parsed")


def pick_majority(samples: list[dict[str, Any]]) -> int:
    """Self-consistency: a sample stating the most common well-formed answer.

    Ties (between answers, and among samples stating the winner) go to the best policy key;
    if no sample is well-formed, fall back to :func:`pick_logprob`.
    """
    answers = [parsed_answer(s["completion"]) for s in samples]
    votes = Counter(a for a in answers if a is not None)
    if not votes:
        return pick_logprob(samples)
    top = max(votes.values())
    candidates = [i for i, a in enumerate(answers) if a is not None and votes[a] == top]
    return min(candidates, key=lambda i: _policy_key(samples[i]))


ColumnsPick = Callable[[list[float], list[Any], list[str]], int]


@dataclass(frozen=True)
class Selector:
    name: str
    pick: Pick
    deployable: bool
    needs: str
    # The same rule over the item's columns (rewards, sum_logprobs, completions; index = position),
    # for a run to skip building the offered dicts. None: the run offers dicts to ``pick``.
    pick_columns: ColumnsPick | None = None


SELECTORS: dict[str, Selector] = {
    "oracle": Selector("oracle", pick_best, False, "the expected answer",
                       lambda rewards, logprobs, completions: best_of_columns(rewards, logprobs, completions, itertools.count())),
    "majority": Selector("majority", pick_majority, True, "no expected answer (votes on stated answers)"),
    "logprob": Selector("logprob", pick_logprob, True, "no expected answer (trusts sum_logprob)",
                        lambda rewards, logprobs, completions: likeliest_of_columns(logprobs, completions, itertools.count())),
}
DEFAULT_SELECTOR = "oracle"


def get_selector(name: str) -> Selector:
    """Look a selector up by name; unknown names raise UserError with a suggestion."""
    if name not in SELECTORS:
        hint = did_you_mean(name, SELECTORS, f"known selectors: {', '.join(SELECTORS)}")
        raise UserError(f"unknown selector '{name}'", field="--selector", hint=hint)
    return SELECTORS[name]


def custom_selector(pick: Pick) -> Selector:
    """Wrap a caller's pick function (an exercise's pick_best). It sees rewards: not deployable."""
    name = f"custom:{getattr(pick, '__module__', '?')}.{getattr(pick, '__qualname__', type(pick).__name__)}"
    return Selector(name, pick, False, "the rewards it is shown, hence the expected answer")
