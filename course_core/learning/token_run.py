"""``course.token_inspect --outdir``: the inspector's report saved as a run directory.

The run records which tokenizer made the split (``sampling_config.tokenizer``: the real BPE or
the labelled byte fallback), so a split written down elsewhere can be checked against the
split the same tokenizer produced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from course_core.artifacts.manifest import build_manifest
from course_core.artifacts.rundir import WrittenRun, finish_run, staged_run
from course_core.learning.tokens import show_piece

ARTIFACTS = ["manifest.json", "summary.json", "summary.md"]


def summarize(report: dict[str, Any]) -> dict[str, Any]:
    """The report of :func:`course_core.learning.tokens.inspect_texts`, plus how many token sequences differ."""
    return {
        "kind": "token_inspect",
        "tokenizer": report["tokenizer"],
        "texts": report["texts"],
        "distinct_sequences": len({tuple(row["ids"]) for row in report["texts"]}),
    }


def summary_markdown(summary: dict[str, Any]) -> str:
    """summary.md: the tokenizer, then one table row per text with its tokens and ids."""
    tok = summary["tokenizer"]
    lines = [f"# Token split: {tok['name']} ({tok['kind']})", "", f"Source: {tok['source']}", ""]
    if tok["note"]:
        lines += [f"Note: {tok['note']}", ""]
    lines += ["| text | n | tokens | ids |", "|---|---:|---|---|"]
    for row in summary["texts"]:
        pieces = " ".join(show_piece(bytes.fromhex(h)) for h in row["bytes_hex"]).replace("|", "\\|")
        text = show_piece(row["text"].encode("utf-8")).replace("|", "\\|")
        lines.append(f"| `{text}` | {row['count']} | `{pieces}` | {' '.join(map(str, row['ids']))} |")
    lines += ["", f"{len(summary['texts'])} text(s) → {summary['distinct_sequences']} distinct token sequence(s).", ""]
    return "\n".join(lines)


def run_token_inspect(report: dict[str, Any], outdir: str | Path, force_bytes: bool = False,
                      command: list[str] | None = None) -> WrittenRun:
    """Write manifest.json, summary.json and summary.md for one report, atomically."""
    summary = summarize(report)
    texts = [row["text"] for row in report["texts"]]
    with staged_run(outdir) as staged:
        manifest = build_manifest(
            kind="token_inspect",
            args={"texts": texts, "bytes": force_bytes, "outdir": str(outdir)},
            inputs=[],
            sampling_config={"tokenizer": report["tokenizer"], "texts": texts},
            artifacts=ARTIFACTS,
            command=command,
        )
        finish_run(staged.path, manifest, summary, "token_inspect_summary", summary_markdown(summary))
    return WrittenRun(Path(outdir), summary, ARTIFACTS, staged.replaced)
