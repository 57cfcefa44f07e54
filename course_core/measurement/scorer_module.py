"""A scorer loaded from a user's file: ``--scorer-module FILE`` on course.eval and course.validate_scorer.

The file is an instrument like the kit's own: it declares who it is and what it checks, and
scores one completion at a time::

    NAME = "strict_final_int"          # the instrument's name, as manifests record it
    VERSION = "1.0.0"                  # any change of behaviour needs a new version
    DESCRIPTION = "..."                # optional
    RULES = [{"rule": ..., "outcome": ..., "says": ...}, ...]
    def score(example, completion) -> {"reward": 0.0 | 1.0, "outcome": str, "details": {...}}

The manifest records the name, version and spec fingerprint in the usual scorer fields (so
the gate judges the declared identity, exactly as it would for the kit's scorers) and, in
``scorer_module``, the path and sha256 of the bytes that ran: a copy that changed behaviour
but kept its version is visible to anyone who compares those hashes.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from course_core.artifacts.strict_json import MAX_DEPTH, MAX_INT_DIGITS
from course_core.errors import UserError
from course_core.measurement.scoring import Score, Scorer
from course_core.usermodule import LoadedModule, finite_float, load_user_module, said, shown, type_name

FLAG = "--scorer-module"
MAX_OUTCOME_CHARS = 64
MAX_DETAILS_CHARS = 4000
_INT_BOUND = 10**MAX_INT_DIGITS  # a details integer the kit's reader takes back (artifacts/strict_json.py)


def _is_text(value: Any) -> bool:
    """A real str (no subclass) that is valid text: UTF-8 can write it (no lone surrogate)."""
    if type(value) is not str:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _declared(loaded: LoadedModule, name: str, kind: type, what: str, default: Any = None) -> Any:
    value = vars(loaded.module).get(name, default)  # the module's own namespace: no module __getattr__ runs
    if kind is str:
        ok = _is_text(value) and bool(value.strip())
    else:
        ok = type(value) is kind
    if not ok:
        raise UserError(f"{FLAG}: `{name}` must be {what}", path=loaded.path, field=name,
                        hint=f"declare `{name} = ...` at the top of the file (see course_core/measurement/scorer_module.py)")
    return value


RULE_KEYS = ("rule", "outcome", "says")


def _rules(loaded: LoadedModule) -> list[dict[str, str]]:
    rules = _declared(loaded, "RULES", list, "a list of {rule, outcome, says} tables")
    checked = []
    for i, rule in enumerate(list.__iter__(rules)):
        # a real dict whose every key and value is valid text, the three named keys among them: the
        # spec's fingerprint and every manifest hold it as JSON
        entries = list(dict.items(rule)) if isinstance(rule, dict) else None
        if entries is None or not all(_is_text(k) and _is_text(v) for k, v in entries) or not set(RULE_KEYS) <= {k for k, _ in entries}:
            raise UserError(f"{FLAG}: RULES[{i}] must be a dict with string 'rule', 'outcome' and 'says' (and only text keys and values)",
                            path=loaded.path, field="RULES", hint="e.g. {'rule': 'has_final_line', 'outcome': 'missing_final', 'says': \"a line starts with 'Final:'\"}")
        checked.append(dict(entries))
    return checked


def _plain_details(value: Any, depth: int = 0) -> Any:
    """``value`` as plain JSON data (dicts, lists, text, finite numbers, booleans, None), read without
    running code of the user's; ValueError for anything else."""
    if depth > MAX_DEPTH:
        raise ValueError("nested too deep")
    if value is None or type(value) is bool:
        return value
    if type(value) is str:
        if not _is_text(value):
            raise ValueError("a string that is not valid text (a lone surrogate)")
        return value
    if type(value) in (int, float):
        if finite_float(value) is None or (type(value) is int and abs(value) >= _INT_BOUND):  # as the kit reads it back
            raise ValueError(f"the number {shown(value)} is not a finite 64-bit float")
        return value
    if type(value) in (list, tuple):
        return [_plain_details(v, depth + 1) for v in value]
    if type(value) is dict:
        plain = {}
        for k, v in value.items():
            if not _is_text(k):
                raise ValueError(f"a key {shown(k)} that is not text")
            plain[k] = _plain_details(v, depth + 1)
        return plain
    raise ValueError(f"a {type_name(value)} object")


def _checked(loaded: LoadedModule) -> Any:
    fn = loaded.function("score")  # sys.exit() and other BaseExceptions in the call: a UserError naming the file

    def score(example: Any, completion: Any) -> Score:
        where = example.get("id") if isinstance(example, Mapping) else None

        def refused(what: str, hint: str) -> UserError:
            return UserError(f"{FLAG}: score() returned {what} for example {where!r}", path=loaded.path, field="score", hint=hint)

        try:
            # a copy: the rows the instrument writes come from its own example, whatever score() does to its argument
            verdict = fn(copy.deepcopy(example), copy.deepcopy(completion))
        except UserError:
            raise
        except Exception as exc:  # noqa: BLE001 - the user's scorer failing is the user's to fix
            raise UserError(f"{FLAG}: score() raised {type_name(exc)}: {said(exc)} (example {where!r})", path=loaded.path, field="score",
                            hint="a scorer is total: it returns a verdict for every input, never raises") from None
        shape = "return {'reward': 0.0 or 1.0, 'outcome': '<code>', 'details': {...}}"
        if type(verdict) is not dict or not all(_is_text(k) for k in dict.keys(verdict)):
            raise refused(shown(verdict), shape)
        reward, outcome = dict.get(verdict, "reward"), dict.get(verdict, "outcome")
        number = finite_float(reward)  # an int or float's own value: no __eq__ or __float__ of the user's runs
        if number not in (0.0, 1.0):
            raise refused(f"the reward {shown(reward)}", shape + " (the reward an int or float, 0 or 1)")
        if type(outcome) is not str:
            raise refused(f"the outcome {shown(outcome)}", shape)
        if not 0 < len(outcome) <= MAX_OUTCOME_CHARS:
            raise refused(f"an outcome of {len(outcome)} characters", f"an outcome is a short code such as 'correct' (1 to {MAX_OUTCOME_CHARS} characters)")
        if not _is_text(outcome):
            raise refused(f"the outcome {shown(outcome)}, which is not valid text (a lone surrogate)",
                          "an outcome is a short code such as 'correct'")
        try:
            details = _plain_details(dict.get(verdict, "details", {}))
            if type(details) is not dict:
                raise ValueError("not a dict")
            size = len(json.dumps(details, allow_nan=False))
        except (TypeError, ValueError, RecursionError):
            raise refused("details that are not JSON", "details hold strings, finite numbers, booleans, None, lists and dicts") from None
        if size > MAX_DETAILS_CHARS:
            raise refused(f"{size} characters of details",
                          f"details say why, in at most {MAX_DETAILS_CHARS} characters of JSON (every result row holds them)")
        return {"reward": number, "outcome": outcome, "details": details}

    return score


def load_scorer_module(path: str | Path) -> Scorer:
    """The instrument a user's file declares, ready for the eval and validate_scorer; its module is recorded."""
    loaded = load_user_module(path, ["score"], flag=FLAG)
    return Scorer(
        name=_declared(loaded, "NAME", str, "a non-empty string"),
        version=_declared(loaded, "VERSION", str, "a non-empty string (e.g. '1.0.0')"),
        description=_declared(loaded, "DESCRIPTION", str, "a non-empty string") if "DESCRIPTION" in vars(loaded.module) else "",
        rules=_rules(loaded),
        fn=_checked(loaded),
        module=loaded.record(),
    )


def resolve_scorer(scorer_name: str | None, scorer_module: str | Path | None) -> Scorer:
    """The kit's scorer by name, or the one a user's file declares (never both)."""
    from course_core.measurement.scoring import DEFAULT_SCORER, get_scorer

    if scorer_module is not None:
        if scorer_name not in (None, DEFAULT_SCORER):
            raise UserError(f"give either --scorer or {FLAG}, not both", field=FLAG,
                            hint="the module declares its own NAME and VERSION")
        return load_scorer_module(scorer_module)
    return get_scorer(scorer_name or DEFAULT_SCORER)
