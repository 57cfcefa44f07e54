"""The README's measured figures are the ones a bench run recorded (benchmarks/results.json).

Each row of the README's "Measured" table ends with ``<!-- bench: KEY ... -->``: one key per
number in its figure cell, in order. A timing may differ from the recorded value by the
tolerance the README states (it rounds, and says ≈); an outcome (a pass rate, a score, a count)
must match to the digits it shows. A row without keys fails: every figure says where it came from.
"""

from __future__ import annotations

import json
import re

from conftest import REPO

RESULTS = REPO / "benchmarks" / "results.json"
TIMING_TOLERANCE = 0.15  # stated in the README next to the table
_NUMBER = re.compile(r"(?<![\w.@])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w])")


def measured_rows() -> list[tuple[str, str, list[str]]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Measured"):]
    section = section[: section.find("\n## ", 4)] if "\n## " in section[4:] else section
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or set(cells[0]) <= {"-", ":"} or cells[0] == "what":
            continue
        marker = re.search(r"<!--\s*bench:\s*([^>]*?)\s*-->", cells[-1])
        rows.append((cells[0], re.sub(r"<!--.*?-->", "", cells[-1]), marker.group(1).split() if marker else []))
    return rows


def test_every_readme_figure_matches_the_recorded_bench_run():
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    rows = measured_rows()
    assert rows, "no Measured table in the README"
    problems = []
    for what, figure, keys in rows:
        numbers = [m.group(1) for m in _NUMBER.finditer(figure.replace("`", ""))]
        if not keys:
            problems.append(f"{what!r}: no <!-- bench: ... --> keys saying where its figures come from")
            continue
        if len(numbers) != len(keys):
            problems.append(f"{what!r}: {len(numbers)} numbers ({numbers}) but {len(keys)} keys ({keys})")
            continue
        for shown, key in zip(numbers, keys):
            if key not in results:
                problems.append(f"{what!r}: {key} is not in benchmarks/results.json (run nox -s bench)")
                continue
            value, quoted = float(results[key]["value"]), float(shown.replace(",", ""))
            digits = len(shown.split(".")[1]) if "." in shown else 0
            rounding = 0.5 * 10 ** -digits + 1e-9
            allowed = rounding if results[key]["exact"] else max(rounding, TIMING_TOLERANCE * abs(value))
            if abs(value - quoted) > allowed:
                problems.append(f"{what!r}: README says {shown}, {key} recorded {value} ({results[key]['measured']})")
    assert not problems, "\n".join(problems)


def test_the_readme_says_when_and_where_the_figures_were_measured():
    results = json.loads(RESULTS.read_text(encoding="utf-8"))
    used = {k for _, _, keys in measured_rows() for k in keys if k in results}
    text = (REPO / "README.md").read_text(encoding="utf-8")
    for date in {results[k]["measured"] for k in used}:
        assert date in text, f"figures measured on {date}: the README should say so"
    assert f"±{round(100 * TIMING_TOLERANCE)} %" in text, "the README states the tolerance the test applies"
