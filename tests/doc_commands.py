"""Every command the docs print, found by rule, so that a doc cannot drift from the code.

Where commands come from (every Markdown file of the kit, README.md first, then the exercises
in order, then the rest):

- each fenced block tagged ``bash`` (or ``sh``, ``shell``, ``console``): one command per
  logical line (backslash continuations joined, comment lines dropped);
- each inline code span that starts with a program the kit's docs use (``python``, ``nox``,
  ``poetry``, ``pytest``); a span with synopsis syntax (``[--flag X]``, ``a|b``, a capitalised
  placeholder such as ``PATH``) is a synopsis: only its module and option names are checked.

What a command is expected to do:

- exit 0, unless its line ends with ``# must FAIL`` (non-zero) or ``# exit N``, or the first
  paragraph after its block says ``exit code N`` / ``(exit N)`` / ``exits N`` (the block's last command);
- a block whose first line is a ``# needs: ...`` comment needs something the kit cannot
  provide here (a model server, the network): its commands are checked, never run;
- a ``cp`` whose line ends with ``# then edit the copy`` is followed by an edit the prose asks
  of the student: the doc run makes it by copying the reference's version of that file (from
  ``solutions/<id>/student_data/``) over the copy, and fails if the reference has none.

Placeholders a doc may use are listed in PLACEHOLDERS with what stands in for them; any other
``<...>`` word fails the check, so a new placeholder is a deliberate addition.
"""

from __future__ import annotations

import ast
import fnmatch
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from course_core.shell_layout import shell_words

SHELL_TAGS = {"bash", "sh", "shell", "console"}
PROGRAMS = ("python", "python3", "nox", "poetry", "pytest")
OPERATORS = {"|", "&&", "||", ";"}
# What each placeholder stands for when a command is checked or run (see resolve_placeholders).
PLACEHOLDERS = {
    "path/to/rl-foundations-llm": ".",  # the guide's `cd`: the kit's root
    "<run_dir>": "@latest_run",  # a run directory an earlier documented command wrote
    "<id>": "@exercise",  # an exercise id
}
OUTPUT_OPTIONS = ("outdir", "out", "transcript")  # argparse destinations that name what a command writes


@dataclass
class Command:
    """One documented command: where it is, what it says, and what it should do."""

    doc: str
    line: int
    text: str
    expect: int | None = 0  # None: any non-zero exit
    inline: bool = False
    synopsis: bool = False
    needs: str | None = None  # the `# needs:` note of its block: checked, not run

    @property
    def hand_edit(self) -> bool:
        """A copy the student then edits by hand (``# then edit the copy``)."""
        return bool(_HAND_EDIT.search(self.text))

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.line}"


def kit_docs(root: Path) -> list[Path]:
    """The kit's Markdown files in reading order: README, the exercises (index, then each), the rest."""
    skip = ("tests/", "runs/", "dist/", "grade-report/", ".nox/", ".venv/", ".git/")
    docs = [p for p in root.rglob("*.md") if not p.relative_to(root).as_posix().startswith(skip)]

    def order(path: Path) -> tuple[int, str]:
        rel = path.relative_to(root).as_posix()
        if rel == "README.md":
            return (0, rel)
        if rel == "exercises/README.md":
            return (1, rel)
        if rel.startswith("exercises/") and rel.endswith("/README.md") and rel.count("/") == 2:
            return (2, rel)
        return (3, rel)

    return sorted(docs, key=order)


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$")


def _blocks(lines: list[str]) -> Iterator[tuple[str, int, list[tuple[int, str]], int]]:
    """Fenced blocks: (tag, first line number, [(line number, text)], line number after the block)."""
    i = 0
    while i < len(lines):
        opened = _FENCE.match(lines[i])
        if not opened:
            i += 1
            continue
        fence, tag = opened.group(1), opened.group(2).lower()
        body: list[tuple[int, str]] = []
        j = i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence[0] * len(fence)) and not lines[j].strip().strip(fence[0])):
            body.append((j + 1, lines[j]))
            j += 1
        yield tag, i + 1, body, j + 1
        i = j + 1


def _logical(body: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Join continuations; drop blank and comment lines; keep each command's first line number."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, text in body:
        if not pending:
            start = number
            if not text.strip() or text.strip().startswith("#"):
                continue
        if text.rstrip().endswith("\\"):
            pending.append(text.rstrip()[:-1])
            continue
        pending.append(text)
        out.append((start, " ".join(p.strip() for p in pending)))
        pending = []
    if pending:
        out.append((start, " ".join(p.strip() for p in pending)))
    return out


_EXIT_IN_PROSE = re.compile(r"\bexits?(?: code)? (\d+)\b")  # "exit code 1", "(exit 1)", "exits 1"
_TRAILING_EXIT = re.compile(r"#\s*exit (\d+)\b")
_MUST_FAIL = re.compile(r"#\s*must fail\b", re.I)
_HAND_EDIT = re.compile(r"#\s*then edit the copy\b", re.I)


def _paragraph_after(lines: list[str], start: int) -> str:
    """The first paragraph of prose from line number ``start`` (1-based), up to a blank line, fence or heading."""
    out: list[str] = []
    for text in lines[start - 1:]:
        if _FENCE.match(text) or text.startswith("#"):
            break
        if not text.strip():
            if out:
                break
            continue
        out.append(text)
    return " ".join(out)


def _expectation(text: str) -> int | None:
    if _MUST_FAIL.search(text):
        return None
    trailing = _TRAILING_EXIT.search(text)
    return int(trailing.group(1)) if trailing else 0


_SYNOPSIS_WORD = re.compile(r"^(\[.*|.*\]|\.\.\.|…|.*\|.*)$")
_PLACEHOLDER_WORD = re.compile(r"^[A-Z][A-Z0-9_]*$")  # D, PATH, NAME: in prose, a value to fill in


def is_synopsis(text: str) -> bool:
    """``python -m course.eval --dataset D [--scorer NAME]``: a usage line, not a command to run."""
    words = shell_words(text)
    return any(_SYNOPSIS_WORD.match(w) and w not in OPERATORS and not w.startswith(("'", '"')) for w in words[1:])


_INLINE = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def commands_in(doc: Path, root: Path) -> list[Command]:
    """Every command of one Markdown file, in order."""
    rel = doc.relative_to(root).as_posix()
    lines = doc.read_text(encoding="utf-8").splitlines()
    found: list[tuple[int, Command]] = []
    fenced: set[int] = set()
    for tag, first, body, after in _blocks(lines):
        fenced.update(range(first, after + 1))
        if tag not in SHELL_TAGS:
            continue
        needs = None
        if body and body[0][1].strip().lower().startswith("# needs:"):
            needs = body[0][1].strip()[len("# needs:"):].strip()
        block = [Command(rel, n, t, _expectation(t), needs=needs) for n, t in _logical(body)]
        said = _EXIT_IN_PROSE.search(_paragraph_after(lines, after + 1))
        if block and said and block[-1].expect == 0:
            block[-1].expect = int(said.group(1))
        found += [(c.line, c) for c in block]
    for number, text in enumerate(lines, start=1):
        if number in fenced:
            continue
        for span in _INLINE.finditer(text):
            code = span.group(2).strip()
            if code.split(" ", 1)[0] in PROGRAMS and " " in code:
                found.append((number, Command(rel, number, code, 0, inline=True, synopsis=is_synopsis(code))))
    return [c for _, c in sorted(found, key=lambda pair: pair[0])]


def all_commands(root: Path) -> list[Command]:
    return [c for doc in kit_docs(root) for c in commands_in(doc, root)]


# ---------------------------------------------------------------------------------------------
# Reading a command: its simple commands, the files it reads and writes.


def simple_commands(text: str) -> list[list[str]]:
    """The simple commands of a line, as shell words (quotes removed), without redirections or comments."""
    words = shell_words(text)
    if "#" in words:
        words = words[: words.index("#")]
    parts: list[list[str]] = [[]]
    skip_next = False
    for word in words:
        if skip_next:
            skip_next = False
            continue
        if word in OPERATORS:
            parts.append([])
        elif re.fullmatch(r"\d?>>?|<", word):
            skip_next = True
        elif re.fullmatch(r"\d?>>?\S+|\d>&\d", word):
            continue
        else:
            parts[-1].append((shlex.split(word) or [""])[0])
    return [p for p in parts if p]


def redirect_targets(text: str) -> list[str]:
    words = shell_words(text)
    return [words[i + 1] for i, w in enumerate(words[:-1]) if re.fullmatch(r"\d?>>?", w)]


def python_argv(words: list[str]) -> list[str] | None:
    """The interpreter's arguments if this simple command runs Python (``poetry run python`` too)."""
    if words[:3] == ["poetry", "run", "python"] or words[:3] == ["poetry", "run", "python3"]:
        return words[3:]
    if words[0] in ("python", "python3"):
        return words[1:]
    return None


def nox_sessions(root: Path) -> dict[str, str | None]:
    """Each nox session of the kit's noxfile, and the kit module it hands its posargs to (if any)."""
    tree = ast.parse((root / "noxfile.py").read_text(encoding="utf-8"))
    sessions: dict[str, str | None] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        if not any("session" in ast.unparse(d) for d in node.decorator_list):
            continue
        module = None
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and ast.unparse(call.func).endswith("session.run"):
                args = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
                passes = any(isinstance(a, ast.Starred) and "posargs" in ast.unparse(a) for a in call.args)
                if passes and len(args) >= 3 and args[0].startswith("python") and args[1] == "-m":  # not pytest's -m MARKER
                    module = args[2]
        sessions[node.name] = module
    return sessions


# What a nox session writes when it does not say so through a kit module's output options.
SESSION_WRITES = {"dev": [".venv"], "release": ["dist/student"], "gradescope": ["dist/autograder.zip"]}
KIT_OUTPUTS = {"runs", "grade-report", "dist", ".venv"}  # folders the kit's commands write
BUILTINS = {"cd", "source", ".", "export", "echo", "set", "exit", "true", "false", "test", "["}
PYTEST_VALUED = {"-k", "-m", "-p", "-o", "--durations", "--tb", "-n", "--rootdir"}
_PATHLIKE = re.compile(r"^[\w.~/*?\[\]-]*/[\w.~/*?\[\]:-]*$|^[\w.*-]+\.(jsonl|json|md|py|toml|html|txt|csv|png|yml|yaml)$")


class _Parsed(BaseException):
    """Raised right after a kit parser has parsed: the command stops before doing anything."""

    def __init__(self, namespace: object) -> None:
        super().__init__()
        self.namespace = namespace


class ParseFailed(Exception):
    pass


def parse_only(target: str, argv: list[str], *, script: bool = False) -> tuple[object | None, str]:
    """The namespace the command's kit parser makes of ``argv`` (None for ``--help``) and what it printed.

    Nothing of the command runs after its arguments are parsed.

    Raises ParseFailed with argparse's message when the arguments do not parse.
    """
    import contextlib
    import io
    import runpy
    import sys
    import warnings

    from course_core.present import cli

    original = cli.KitParser.parse_args

    def stop(self, args=None, namespace=None):  # noqa: ANN001, ANN202
        parsed = original(self, args, namespace)
        if self.prog.startswith(("python -m course.", "python ")):  # the command's own parser, not a helper's
            raise _Parsed(parsed)
        return parsed

    saved_argv, err, out = sys.argv, io.StringIO(), io.StringIO()
    cli.KitParser.parse_args = stop
    sys.argv = [target, *argv]
    try:
        with warnings.catch_warnings(), contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            warnings.simplefilter("ignore", RuntimeWarning)
            if script:
                runpy.run_path(target, run_name="__main__")
            else:
                runpy.run_module(target, run_name="__main__", alter_sys=True)
    except _Parsed as parsed:
        return parsed.namespace, out.getvalue()
    except SystemExit as exit_:
        if exit_.code in (0, None):
            return None, out.getvalue()
        raise ParseFailed(err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else f"exit {exit_.code}") from None
    finally:
        cli.KitParser.parse_args = original
        sys.argv = saved_argv
    raise ParseFailed(f"{target} ran to the end without parsing arguments with the kit's parser")


def options_of(module: str) -> set[str]:
    """The option strings a kit command accepts (read from its parser)."""
    return set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", parse_only(module, ["--help"])[1]))


@dataclass
class Produced:
    """What the documented commands before this one write (paths relative to the kit root, or /tmp/...)."""

    paths: list[str] = field(default_factory=list)

    def add(self, path: object) -> None:
        if isinstance(path, str) and path:
            self.paths.append(path.rstrip("/"))

    def covers(self, path: str) -> bool:
        """True if ``path`` (a glob allowed) is, or lies inside, something written before."""
        parts = path.rstrip("/").split("/")
        for made in self.paths:
            have = made.split("/")
            if len(parts) > len(have):
                if fnmatch.fnmatch(made, "/".join(parts[: len(have)])):
                    return True
            elif fnmatch.fnmatch("/".join(have[: len(parts)]), "/".join(parts)):  # a folder holding what was written
                return True
        return False

    def latest_run(self) -> str | None:
        return next((m for m in reversed(self.paths) if "." not in Path(m).name and m.count("/") >= 1), None)


def resolve_placeholders(cmd: Command, produced: Produced, exercise_ids: list[str]) -> tuple[list[str], list[str]]:
    """The command's concrete versions (one per exercise for ``<id>``), and problems (unknown placeholders)."""
    texts, problems = [cmd.text], []
    for word in re.findall(r"<[^<>\s]+>", cmd.text):
        if word not in PLACEHOLDERS:
            problems.append(f"{cmd.where}: unknown placeholder {word} (add what stands for it to PLACEHOLDERS)")
    for name, meaning in PLACEHOLDERS.items():
        if name not in cmd.text:
            continue
        if meaning == "@latest_run":
            run = produced.latest_run()
            if run is None:
                problems.append(f"{cmd.where}: {name} but no earlier documented command wrote a run directory")
                return [], problems
            texts = [t.replace(name, run) for t in texts]
        elif meaning == "@exercise":
            texts = [t.replace(name, ex) for t in texts for ex in exercise_ids]
        else:
            texts = [t.replace(name, meaning) for t in texts]
    return texts, problems


class Checker:
    """Checks documented commands in order without running them: programs, arguments, files."""

    def __init__(self, root: Path) -> None:
        from course_core.present import demo

        self.root = root
        self.produced = Produced()
        self.sessions = nox_sessions(root)
        self.exercise_ids = sorted(p.parent.name for p in (root / "exercises").glob("*/exercise.toml"))
        self.demo_writes = [w for s in demo.SEGMENTS for step in s.steps for w in demo.writes(step)]
        self.needs: str | None = None

    def _vouches_for(self, path: str) -> bool:
        """Paths inside the kit's own folders, its output folders, or /tmp are the docs' to keep true."""
        first = path.split("/", 1)[0]
        return path.startswith("/tmp/") or first in KIT_OUTPUTS or ("/" in path and (self.root / first).is_dir()) \
            or (self.root / path).parent == self.root and path.endswith(".py")

    def exists(self, path: str) -> bool:
        if any(ch in path for ch in "*?["):
            return bool(list(self.root.glob(path))) or self.produced.covers(path)
        return (self.root / path).exists() or self.produced.covers(path)

    def check(self, cmd: Command) -> list[str]:
        self.needs = cmd.needs  # a `# needs:` block may name programs this machine does not have
        if cmd.inline and "<" in cmd.text:  # a pattern in prose (`exercises/<id>/tests`): names and options only
            return [f"{cmd.where}: {p}" for p in self._check_text(cmd.text, True, True)]
        texts, problems = resolve_placeholders(cmd, self.produced, self.exercise_ids)
        for text in texts:
            problems += [f"{cmd.where}: {p}" for p in self._check_text(text, cmd.synopsis, cmd.inline)]
        return problems

    def _check_text(self, text: str, synopsis: bool, loose: bool = False) -> list[str]:
        import subprocess

        problems: list[str] = []
        if not synopsis:
            syntax = subprocess.run(["bash", "-n", "-c", text], capture_output=True, text=True)
            if syntax.returncode != 0:
                return [f"not valid shell: {syntax.stderr.strip()}"]
        for target in redirect_targets(text):
            self.produced.add(target)
        for words in simple_commands(text):
            problems += self._check_simple(words, synopsis, loose)
        return problems

    def _module_args(self, module: str, argv: list[str], synopsis: bool, loose: bool = False) -> list[str]:
        if synopsis:
            flags = {w.strip("[]").split("=")[0] for w in argv for w in w.split("|") if w.strip("[]").startswith("-")}
            unknown = sorted(flags - options_of(module))
            return [f"{module} has no option {', '.join(unknown)}"] if unknown else []
        try:
            namespace = parse_only(module, argv)[0]
        except ParseFailed as failed:
            if loose and (not argv or any(_PLACEHOLDER_WORD.match(w) for w in argv)):
                return self._module_args(module, argv, synopsis=True)  # a mention or a usage line
            return [f"{module} {' '.join(argv)}: {failed}"]
        for name in OUTPUT_OPTIONS:
            self.produced.add(getattr(namespace, name, None))
        if module == "course.demo":
            for path in self.demo_writes:
                self.produced.add(path)
        return []

    def _paths(self, words: list[str]) -> list[str]:
        """Input files named by ``words`` that neither the kit has nor an earlier command wrote."""
        problems = []
        outputs = {words[i + 1] for i, w in enumerate(words[:-1]) if w.lstrip("-") in OUTPUT_OPTIONS}
        for word in words:
            if word in outputs or word.startswith("-") or "=" in word or "://" in word or not _PATHLIKE.match(word):
                continue
            if not self._vouches_for(word):  # a user's own file (a downloaded dataset), a model name
                continue
            if not self.exists(word):
                problems.append(f"names {word}, which the kit does not have and no earlier command writes")
        for word in outputs:
            self.produced.add(word)
        return problems

    def _check_simple(self, words: list[str], synopsis: bool, loose: bool) -> list[str]:
        import shutil

        if words[:2] == ["poetry", "run"]:  # runs the rest in the project's environment (see plan)
            words = words[2:]
            if not words:
                return []
        program = words[0]
        argv = python_argv(words)
        if argv is not None:
            return self._check_python(argv, synopsis, loose)
        if program == "nox":
            return self._check_nox(words[1:], synopsis, loose)
        if program == "cd":
            return [] if len(words) == 1 or words[1] == "." or (self.root / words[1]).is_dir() else [f"cd {words[1]}: no such folder"]
        if program in ("source", "."):
            return [] if self.exists(words[1]) else [f"source {words[1]}: no earlier command makes it"]
        if program not in BUILTINS and shutil.which(program) is None:
            return [] if self.needs else [f"{program}: not installed here"]
        operands = [w for w in words[1:] if not w.startswith("-") and not re.fullmatch(r"-?\d+", w)]
        if program == "jq" and operands:
            operands = operands[1:]  # the filter
        if program in ("cp", "mv") and len(operands) >= 2:
            target = operands[-1]
            into = target.rstrip("/") + "/" + Path(operands[0]).name if (self.root / target).is_dir() else target
            problems = self._paths(operands[:-1])
            self.produced.add(into)
            return problems
        if program == "mkdir":
            for operand in operands:
                self.produced.add(operand)
            return []
        if program == "rm":
            self.produced.paths = [m for m in self.produced.paths if not any(fnmatch.fnmatch(m, o) for o in operands)]
            return []
        return [] if synopsis else self._paths(operands)

    def _check_python(self, argv: list[str], synopsis: bool, loose: bool) -> list[str]:
        if not argv or argv[0] in ("--version", "-V"):
            return []
        if argv[0] == "-c":
            try:
                compile(argv[1], "<python -c>", "exec")
            except SyntaxError as exc:
                return [f"python -c: {exc}"]
            return []
        if argv[0] == "-m":
            module, rest = argv[1], argv[2:]
            if module == "pytest":
                problems, skip = [], False
                for word in rest:
                    if skip or word.startswith("-"):
                        skip = word in PYTEST_VALUED
                        continue
                    problems += [] if synopsis else self._paths([word.split("::")[0]])
                return problems
            if module.startswith("course."):
                if not (self.root / "course" / f"{module.split('.', 1)[1]}.py").is_file():
                    return [f"no module {module} in course/"]
                return ([] if synopsis else self._paths(rest)) + self._module_args(module, rest, synopsis, loose)
            return [] if (self.root / module.replace(".", "/")).exists() or (self.root / f"{module.replace('.', '/')}.py").exists() else []
        script, rest = argv[0], argv[1:]
        if not (self.root / script).is_file():
            return [f"python {script}: no such file"]
        problems = [] if synopsis else self._paths(rest)
        if "course_core.present.cli" in (self.root / script).read_text(encoding="utf-8"):
            if synopsis:
                return problems
            try:
                namespace = parse_only(str(self.root / script), rest, script=True)[0]
            except ParseFailed as failed:
                if loose and (not rest or any(_PLACEHOLDER_WORD.match(w) for w in rest)):
                    return problems
                return problems + [f"python {script} {' '.join(rest)}: {failed}"]
            for name in OUTPUT_OPTIONS:
                self.produced.add(getattr(namespace, name, None))
        return problems

    def _check_nox(self, args: list[str], synopsis: bool, loose: bool) -> list[str]:
        own, _, posargs = (args[: args.index("--")], None, args[args.index("--") + 1:]) if "--" in args else (args, None, [])
        if not own or own == ["-l"] or own == ["--list"]:
            return []
        names = [own[i + 1] for i, w in enumerate(own[:-1]) if w in ("-s", "--session", "--sessions")]
        problems = [f"nox has no session {n!r} (noxfile.py)" for n in names if n not in self.sessions]
        for name in names:
            for path in SESSION_WRITES.get(name, []):
                self.produced.add(path)
            module = self.sessions.get(name)
            if module:
                problems += self._module_args(module, posargs, synopsis, loose)
        return problems


def reproduce_lines(report_md: Path) -> list[str]:
    """The ``reproduce:`` commands a grade report prints."""
    if not report_md.is_file():
        return []
    return re.findall(r"reproduce: `([^`]+)`", report_md.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Running them: one shell, in order, as a person at a terminal would.


@dataclass
class Step:
    """One line of the doc run: a documented command to run (or why it is not run), or a harness action."""

    text: str
    command: Command | None = None  # None: the harness's own step (placing a solution, reading a report)
    skip: str | None = None  # why this documented command is checked but not run


def runs_this_suite(words: list[list[str]]) -> bool:
    """``nox -s tests`` or ``nox -s docs``, bare ``nox`` (its default session) or pytest over tests/: the suite this test is part of."""
    for w in words:
        if w[:1] == ["nox"] and (len(w) == 1 or "tests" in w or "docs" in w):
            return True
        argv = python_argv(w)
        if argv and argv[:2] == ["-m", "pytest"] and any(a.startswith("tests") for a in argv[2:]):
            return True
    return False


def plan(root: Path, poetry: bool) -> list[Step]:
    """The doc run: every documented command in order, with the harness's steps where they belong.

    - Each exercise's README starts from a working copy where its Build is done: the reference
      module and regression tests from solutions/ are put in place first (its Sabotage and Lock
      steps assume a working module).
    - Commands the demo runs (the guide's segments) are run by ``nox -s demo``, which checks
      their expected outcomes; they are not run a second time.
    - A nox session repeated verbatim (``nox -s grade`` at the end of each exercise) runs at
      its first occurrence only: that proves it runs as printed, and grading a finished
      exercise is what the grading tests do (rerunning it here would cost minutes per exercise).
    - After a grading run, every ``reproduce:`` line of its report is run; the first one grades
      the untouched exercises, where every visible check fails and prints one.
    - Without Poetry installed, ``poetry run X`` runs as ``X`` in the activated environment
      (which is what Poetry does with a project's ``.venv``).
    """
    from course_core.grading.exercise import discover
    from course_core.present import demo

    checker = Checker(root)
    by_exercise = {ex.id: ex for ex in discover(root / "exercises")}
    in_demo = {" ".join(shell_words(ln)) for s in demo.SEGMENTS for st in s.steps for ln in demo.shell_lines(st.command or "")}
    commands = [c for c in all_commands(root) if not c.inline]
    nox_seen: dict[str, list[int]] = {}
    for i, c in enumerate(commands):
        if simple_commands(c.text)[0][0] == "nox":
            nox_seen.setdefault(" ".join(shell_words(c.text.split("#")[0])), []).append(i)
    steps: list[Step] = []
    placed: set[str] = set()
    for i, c in enumerate(commands):
        checker.check(c)  # keeps `produced` current, so placeholders resolve to what exists at this point
        exercise = c.doc.split("/")[1] if c.doc.startswith("exercises/") and c.doc.count("/") == 2 else None
        if exercise in by_exercise and exercise not in placed:
            placed.add(exercise)
            steps.append(Step(_place_solution(by_exercise[exercise], root)))
        words = simple_commands(c.text)
        key = " ".join(shell_words(c.text.split("#")[0]))
        texts, _ = resolve_placeholders(c, checker.produced, checker.exercise_ids)
        skip = None
        if c.needs:
            skip = f"needs {c.needs}"
        elif runs_this_suite(words):
            skip = "runs the test suite this check is part of"
        elif " ".join(shell_words(c.text)) in in_demo:
            skip = "run (and its outcome checked) by nox -s demo"
        elif key in nox_seen and i != nox_seen[key][0]:
            skip = "the same session ran earlier in this run"
        for text in texts:
            if not poetry:
                text = re.sub(r"(^|[|;&]\s*)poetry run ", r"\1", text)
            steps.append(Step(text, c, skip))
            if c.hand_edit and not skip:
                steps.append(Step(_hand_edit(c, exercise, root)))
            if not skip and _grades(words, checker.sessions):
                steps.append(Step("python -m tests.doc_commands reproduce grade-report/report.md"))
    return steps


def _grades(words: list[list[str]], sessions: dict[str, str | None]) -> bool:
    for w in words:
        argv = python_argv(w)
        if argv and argv[:2] == ["-m", "course.grade"]:
            return True
        if w[:1] == ["nox"] and any(sessions.get(n) == "course.grade" for n in w):
            return True
    return False


def _place_solution(exercise, root: Path) -> str:  # noqa: ANN001
    """The shell line that gives ``exercise`` its reference module and regression tests (Build done)."""
    ex = f"exercises/{exercise.id}"
    sol = f"solutions/{exercise.id}"
    moves = [f"cp {sol}/{exercise.module_file} {ex}/{exercise.module_file}"]
    if (root / sol / "student_data").is_dir():  # data files a student writes in Build (probes, golden rows)
        moves.append(f"cp -R {sol}/student_data/. {ex}/")
    repair = exercise.stages.get("repair")
    if repair is not None and repair.student_tests and (root / sol / "reference_regression_test.py").is_file():
        moves.append(f"cp {sol}/reference_regression_test.py {ex}/{repair.student_tests}")
    return " && ".join(moves)


def _hand_edit(c: Command, exercise: str | None, root: Path) -> str:
    """The shell line that makes the edit a ``# then edit the copy`` command asks for: the reference's version of the copy."""
    words = simple_commands(c.text)[0]
    dest = words[-1]
    prefix = f"exercises/{exercise}/"
    edited = f"solutions/{exercise}/student_data/{dest[len(prefix):]}"
    if words[0] != "cp" or not dest.startswith(prefix) or not (root / edited).is_file():
        raise AssertionError(f"{c.where}: '# then edit the copy' needs a cp into exercises/<id>/ whose edited version is {edited}")
    return f"cp {edited} {dest}"


def script(steps: list[Step], logs: str) -> str:
    """A bash script running ``steps`` in one shell; each step's output and exit code go to ``logs``."""
    out = ["exec </dev/null", f"mkdir -p {logs}"]
    for n, step in enumerate(steps):
        if step.skip:
            continue
        out += [f"t0=$EPOCHREALTIME; {{ {step.text}", f"}} >{logs}/{n}.out 2>{logs}/{n}.err",
                f"echo $? >{logs}/{n}.rc; echo \"$t0 $EPOCHREALTIME\" >{logs}/{n}.time"]
    return "\n".join(out) + "\n"


def main(argv: list[str]) -> int:
    """``python -m tests.doc_commands reproduce REPORT``: run each reproduce line of a grade report.

    Writes ``<report>.reproduced.json``: each line with its exit code and the end of its output.
    """
    import json
    import subprocess

    if argv[:1] != ["reproduce"] or len(argv) != 2:
        print("usage: python -m tests.doc_commands reproduce REPORT.md")
        return 2
    from concurrent.futures import ThreadPoolExecutor

    report = Path(argv[1])

    def rerun(line: str) -> dict[str, object]:
        done = subprocess.run(["bash", "-c", line], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
        return {"command": line, "rc": done.returncode, "tail": (done.stdout + done.stderr)[-1500:]}

    distinct = list(dict.fromkeys(reproduce_lines(report)))  # a line repeated verbatim runs once
    with ThreadPoolExecutor(max_workers=2) as pool:  # the two cores; each line is its own process
        results = list(pool.map(rerun, distinct))
    with open(str(report) + ".reproduced.json", "a", encoding="utf-8") as fh:
        fh.write(json.dumps(results) + "\n")
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
