"""Every points figure the docs quote is what the exercise.toml files say.

The grader shows exercise.toml's integers as they are (no rescaling), so a README that says
"Build 40 = visible tests (25) + hidden tests (15)" must agree with the toml, and every "N/M"
figure in the docs is either classified as something other than points (a pass rate, an exit
status, ...) or checked against the tomls here.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO
from course_core.grading.exercise import Exercise, discover

EXERCISES = {e.id: e for e in discover(REPO / "exercises")}
DOCS = [REPO / "README.md", REPO / "exercises" / "README.md", *sorted((REPO / "exercises").glob("*/README.md")), *sorted((REPO / "docs").glob("*.md"))]
STAGE_ROWS = {"Build": "build", "Sabotage": "sabotage", "Reflect": "reflect", "Repair and lock": "repair"}
FIGURE = re.compile(r"(?<![\w.@/])\d+(?:\.\d+)?(?: ?/ ?\d+(?:\.\d+)?)+(?![\w/])")
# figures that are not points, each recognised by what follows or precedes it
NOT_POINTS = [
    re.compile(r"pass rate \S+$|\*\*$|\($"),  # pass rate 65/120, **65/120 = 0.542**, (96/120 items)
    re.compile(r"^ (=|items|golden rows|expected outcomes|%? ?optimal|%)"),
    re.compile(r"(exit|a|at most|discordant|≈|book: ≈)\s*$"),  # exit 0/1/2, a 400/401/404, at most 1/2
]


def _total(exercise: Exercise) -> float:
    return sum(s.points for s in exercise.stages.values())


def _figures(doc: Path) -> list[tuple[int, str, str, str]]:
    out = []
    for number, line in enumerate(doc.read_text(encoding="utf-8").splitlines(), 1):
        for m in FIGURE.finditer(line):
            out.append((number, m.group(0), line[: m.start()], line[m.end():]))
    return out


def test_every_exercise_is_worth_what_the_docs_say() -> None:
    text = (REPO / "exercises" / "README.md").read_text(encoding="utf-8")
    claimed = int(re.search(r"Every exercise is worth (\d+) points", text).group(1))
    assert {ex_id: _total(e) for ex_id, e in EXERCISES.items()} == dict.fromkeys(EXERCISES, claimed)


def _usual() -> dict[str, float]:
    """The split most exercises share (the stage headings of exercises/README.md quote it)."""
    splits = Counter(tuple((n, s.points) for n, s in e.stages.items()) for e in EXERCISES.values())
    return dict(splits.most_common(1)[0][0])


def _pool_figures(exercise: Exercise, stage: str) -> list[int]:
    """What a stage row says in parentheses, in order: the visible tests, the hidden tests, the lock (its two shares)."""
    st = exercise.stages[stage]
    pools = st.pools()
    figures = [int(pools[p]) for p in ("tests", "hidden") if pools[p]]
    if stage == "repair" and st.lock_points:
        figures += [int(st.lock_points), int(pools["lock"]), int(pools["lock_hidden"])]
    return figures


@pytest.mark.parametrize("ex_id", sorted(EXERCISES))
def test_the_exercise_readme_table_is_the_toml(ex_id: str) -> None:
    exercise = EXERCISES[ex_id]
    rows = {}
    for line in (exercise.folder / "README.md").read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\| (Build|Sabotage|Reflect|Repair and lock) \| (\d+) \| (.*) \|$", line)
        if m:
            rows[STAGE_ROWS[m.group(1)]] = (int(m.group(2)), m.group(3))
    assert set(rows) == set(exercise.stages)
    for stage, (points, text) in rows.items():
        assert points == exercise.stages[stage].points, (stage, text)
        said = [int(n) for group in re.findall(r"\((\d+(?::[^)]*)?)\)", text) for n in re.findall(r"\d+", group)]
        if stage in ("build", "repair"):
            assert said == _pool_figures(exercise, stage), (stage, text)


def test_the_stage_headings_quote_the_usual_split() -> None:
    text = (REPO / "exercises" / "README.md").read_text(encoding="utf-8")
    items = dict(re.findall(r"^\d\. \*\*(Build|Sabotage|Reflect|Repair and lock)\*\* \((\d+)\)", text, flags=re.M))
    assert {STAGE_ROWS[k]: float(v) for k, v in items.items()} == _usual()
    usual = [e for e in EXERCISES.values() if {n: s.points for n, s in e.stages.items()} == _usual()]
    build = {tuple(_pool_figures(e, "build")) for e in usual}
    assert build == {(25, 15)} and "tests -q` (25). Hidden tests probe the same functions\n   further (15)." in text
    repair = Counter(tuple(_pool_figures(e, "repair")) for e in usual)
    assert set(repair) == {(10, 10, 2, 8), (5, 5, 10, 2, 8)}
    split = sorted(e.id for e in usual if tuple(_pool_figures(e, "repair")) == (5, 5, 10, 2, 8))
    assert f"code (10; `{split[0]}` and\n   `{split[1]}` split them into 5 visible and 5 hidden)" in text
    assert "(2 of the 10); the rest are the instructors' (8)" in text
    odd = [e for e in EXERCISES.values() if e not in usual]
    assert [e.id for e in odd] == ["p1_promotion"]
    assert f"weights its Reflect stage, the committee's memo, at\n{odd[0].stages['reflect'].points:g}" in text


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_n_over_m_figure_in_the_docs_is_classified_and_true(doc: Path) -> None:
    totals = {_total(e) for e in EXERCISES.values()} | {sum(_total(e) for e in EXERCISES.values())}
    for number, figure, before, after in _figures(doc):
        where = f"{doc.relative_to(REPO)}:{number}: {figure}"
        if any(p.search(before) for p in NOT_POINTS[:1] + NOT_POINTS[2:]) or NOT_POINTS[1].search(after):
            continue
        parts = [float(p) for p in re.split(r" ?/ ?", figure)]
        if len(parts) == 4 and "split" in before:  # "The other exercises split 40/20/20/20"
            assert dict(zip(("build", "sabotage", "reflect", "repair"), parts)) == _usual(), where
        elif len(parts) == 2 and parts[1] in totals:  # "untouched 0/100": a score out of an exercise's (or the kit's) total
            assert 0 <= parts[0] <= parts[1], where
        elif len(parts) == 2 and after.startswith(" +"):  # a table cell "12/25 +15": graded here, then by staff
            staff = float(re.match(r" \+(\d+)", after).group(1))
            assert any(_pool_figures(e, "build") == [parts[1], staff] for e in EXERCISES.values()), where
        else:
            pytest.fail(f"{where} is neither a known kind of figure nor a points figure this test can check: classify it here")
