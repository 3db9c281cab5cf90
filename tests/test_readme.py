"""The README's command examples print what the commands really print, on the bundled register.

Each fenced block of ``README.md`` holding ``$ portfolio …`` lines is a transcript: the command,
then its output up to the next ``$`` line or the end of the block. The test runs every command (in
a temporary directory, so exports land there) and compares the output line by line. A README line
ending in ``, …`` stands for any line starting with the text before the ``…`` (a long list of
allowed values); argparse's usage block before an error line is not shown in the README.

After a change to the register or to the CLI, ``python -m tests.test_readme`` rewrites the
transcripts with the current output (README lines ending in ``, …`` are kept); review the diff.
"""

from __future__ import annotations

import contextlib
import io
import os
import shlex
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from portfolio import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
FENCE = "```"


@dataclass
class Transcript:
    """One ``$ portfolio …`` command of the README and the output shown under it."""

    line: int  # 1-based line of the command in README.md
    command: str
    shown: list[str]


def transcripts(text: str) -> list[Transcript]:
    """Every ``$ portfolio …`` command inside a fenced block of ``text``, with its shown output."""
    found: list[Transcript] = []
    in_block = False
    current: Transcript | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(FENCE):
            in_block = not in_block
            current = None
            continue
        if not in_block:
            continue
        if line.startswith("$ portfolio "):
            current = Transcript(number, line[2:], [])
            found.append(current)
        elif current is not None:
            current.shown.append(line)
    for item in found:
        while item.shown and not item.shown[-1].strip():
            item.shown.pop()
    return found


def run(command: str, workdir: Path) -> list[str]:
    """Run a README command in-process in ``workdir``; its stdout and stderr lines, usage dropped."""
    argv = shlex.split(command)[1:]
    out, err = io.StringIO(), io.StringIO()
    previous = Path.cwd()
    os.chdir(workdir)
    try:
        # argparse exits (SystemExit) on a bad flag value: its message is the output shown
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            contextlib.suppress(SystemExit),
        ):
            cli.main(argv)
    finally:
        os.chdir(previous)
    lines = out.getvalue().splitlines()
    usage = False
    for line in err.getvalue().splitlines():
        if line.startswith("usage: "):
            usage = True
        elif usage and line.startswith(" "):
            continue
        else:
            usage = False
            lines.append(line)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def matches(shown: str, actual: str) -> bool:
    if shown.endswith(", …"):  # an elided list: the rest of the line is left out
        return actual.startswith(shown[:-1])
    return shown == actual


def test_readme_has_the_planners_examples() -> None:
    commands = [t.command for t in transcripts(README.read_text(encoding="utf-8"))]
    assert any(c.startswith("portfolio export ") and "--format geojson" in c for c in commands)
    assert any(c.startswith("portfolio list ") for c in commands)
    assert any(c.startswith("portfolio stats ") for c in commands)


@pytest.mark.parametrize(
    "item", transcripts(README.read_text(encoding="utf-8")), ids=lambda t: f"README:{t.line}"
)
def test_readme_transcript_is_current(item: Transcript, tmp_path: Path) -> None:
    actual = run(item.command, tmp_path)
    assert len(actual) == len(item.shown), (
        f"README.md line {item.line}: `{item.command}` prints {len(actual)} lines, the README shows "
        f"{len(item.shown)}:\n" + "\n".join(actual)
    )
    for shown, line in zip(item.shown, actual, strict=True):
        assert matches(shown, line), f"README.md line {item.line}: `{item.command}`:\n{shown}\n!=\n{line}"


def update(path: Path = README) -> int:
    """Rewrite every transcript of ``path`` with the current output; the number of changed ones."""
    lines = path.read_text(encoding="utf-8").splitlines()
    changed = 0
    for item in reversed(transcripts("\n".join(lines))):
        with tempfile.TemporaryDirectory() as tmp:
            actual = run(item.command, Path(tmp))
        if len(actual) == len(item.shown):
            actual = [s if matches(s, a) else a for s, a in zip(item.shown, actual, strict=True)]
        if actual != item.shown:
            changed += 1
            start = item.line  # 0-based index of the first output line
            lines[start : start + len(item.shown)] = actual
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return changed


if __name__ == "__main__":
    count = update()
    print(f"{count} transcript(s) rewritten in {README}", file=sys.stderr)
    sys.exit(0)
