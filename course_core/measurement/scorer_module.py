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

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from course_core.errors import UserError
from course_core.measurement.scoring import Score, Scorer
from course_core.usermodule import LoadedModule, load_user_module

FLAG = "--scorer-module"
MAX_OUTCOME_CHARS = 64
MAX_DETAILS_CHARS = 4000


def _declared(loaded: LoadedModule, name: str, kind: type, what: str, default: Any = None) -> Any:
    value = getattr(loaded.module, name, default)
    if value is None or isinstance(value, bool) or not isinstance(value, kind) or (kind is str and not value.strip()):
        raise UserError(f"{FLAG}: `{name}` must be {what}", path=loaded.path, field=name,
                        hint=f"declare `{name} = ...` at the top of the file (see course_core/measurement/scorer_module.py)")
    return value


def _rules(loaded: LoadedModule) -> list[dict[str, str]]:
    rules = _declared(loaded, "RULES", list, "a list of {rule, outcome, says} tables")
    for i, rule in enumerate(rules):
        if not isinstance(rule, Mapping) or not all(isinstance(rule.get(k), str) for k in ("rule", "outcome", "says")):
            raise UserError(f"{FLAG}: RULES[{i}] must be a dict with string 'rule', 'outcome' and 'says'", path=loaded.path, field="RULES")
    return [dict(r) for r in rules]


def _checked(loaded: LoadedModule) -> Any:
    fn = loaded.function("score")

    def score(example: Any, completion: Any) -> Score:
        where = example.get("id") if isinstance(example, Mapping) else None
        try:
            verdict = fn(example, completion)
        except Exception as exc:  # noqa: BLE001 - the user's scorer failing is the user's to fix
            raise UserError(f"{FLAG}: score() raised {type(exc).__name__}: {exc} (example {where!r})", path=loaded.path, field="score",
                            hint="a scorer is total: it returns a verdict for every input, never raises") from None
        ok = (
            isinstance(verdict, Mapping)
            and verdict.get("reward") in (0, 1)
            and not isinstance(verdict.get("reward"), bool)
            and isinstance(verdict.get("outcome"), str)
            and isinstance(verdict.get("details", {}), Mapping)
        )
        if not ok:
            raise UserError(f"{FLAG}: score() returned {str(verdict)[:80]!r} for example {where!r}", path=loaded.path, field="score",
                            hint="return {'reward': 0.0 or 1.0, 'outcome': '<code>', 'details': {...}}")
        details = dict(verdict.get("details") or {})
        if not 0 < len(verdict["outcome"]) <= MAX_OUTCOME_CHARS:
            raise UserError(f"{FLAG}: score() returned an outcome of {len(verdict['outcome'])} characters for example {where!r}",
                            path=loaded.path, field="score", hint=f"an outcome is a short code such as 'correct' (1 to {MAX_OUTCOME_CHARS} characters)")
        try:
            size = len(json.dumps(details, allow_nan=False))
        except (TypeError, ValueError, RecursionError):
            raise UserError(f"{FLAG}: score() returned details that are not JSON for example {where!r}", path=loaded.path, field="score",
                            hint="details hold strings, finite numbers, booleans, None, lists and dicts") from None
        if size > MAX_DETAILS_CHARS:
            raise UserError(f"{FLAG}: score() returned {size} characters of details for example {where!r}", path=loaded.path, field="score",
                            hint=f"details say why, in at most {MAX_DETAILS_CHARS} characters of JSON (every result row holds them)")
        return {"reward": float(verdict["reward"]), "outcome": verdict["outcome"], "details": details}

    return score


def load_scorer_module(path: str | Path) -> Scorer:
    """The instrument a user's file declares, ready for the eval and validate_scorer; its module is recorded."""
    loaded = load_user_module(path, ["score"], flag=FLAG)
    return Scorer(
        name=_declared(loaded, "NAME", str, "a non-empty string"),
        version=_declared(loaded, "VERSION", str, "a non-empty string (e.g. '1.0.0')"),
        description=_declared(loaded, "DESCRIPTION", str, "a non-empty string") if hasattr(loaded.module, "DESCRIPTION") else "",
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
