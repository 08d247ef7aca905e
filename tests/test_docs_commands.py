"""Commands shown in README.md and docs/*.md exist, with the subcommands and flags shown.

Static, so it costs CI nothing: a command ``python -m MOD ...`` or a console
script (``edge-device``, ``fleet``, ...) must name a module of this repository,
and each subcommand and ``--flag`` written after it must be declared
(``add_parser("sub"`` / ``"--flag"``) in that module's package. A renamed or
removed flag then fails here instead of in an installer's terminal. Paths
written in backquotes must exist too.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
PACKAGES = ("edge", "fleet", "deploy", "benchmarks", "cloud_trainer", "firmware_config")
SCRIPTS: dict[str, str] = {
    name: target.split(":")[0]
    for name, target in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"].items()
}
COMMAND = re.compile(r"(?:\S*python3? -m ([\w.]+)|^(?:\$ )?(" + "|".join(map(re.escape, SCRIPTS)) + r"))\b(.*)")
"""``python -m MOD`` anywhere; a console script only where the line starts with it
(prose such as 'the fleet service' is not a command)."""
PATH = re.compile(r"`((?:" + "|".join(PACKAGES + ("tests", "docs")) + r")/[\w./-]+?)[.,:]?`")


def snippets(doc: Path) -> list[str]:
    """Lines of code blocks, and inline code spans outside them."""
    text = doc.read_text(encoding="utf-8")
    blocks = re.findall(r"```[\w-]*\n(.*?)```", text, re.S)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return [line for b in blocks for line in b.splitlines()] + inline


def commands() -> list[tuple[str, str, list[str]]]:
    """(doc, module, words after it) for every command of this repository the docs show."""
    found = []
    for doc in DOCS:
        for line in snippets(doc):
            for part in re.split(r"\s*(?:&&|\|\||;|\|)\s*", line.replace(".venv/bin/", "")):
                m = COMMAND.search(part.strip())
                if not m:
                    continue
                module = m.group(1) or SCRIPTS[m.group(2)]
                if module.split(".")[0] not in PACKAGES:
                    continue
                try:
                    words = shlex.split(m.group(3), comments=True)
                except ValueError:
                    words = m.group(3).split()
                found.append((doc.name, module, words))
    return found


def module_file(module: str) -> Path | None:
    base = REPO / module.replace(".", "/")
    for candidate in (base.with_suffix(".py"), base / "__main__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def declared(module: str) -> str:
    """The source a command's parser can live in: its package (subcommands are
    often declared in a sibling module, e.g. ``fleet users`` in fleet/console/cli.py)."""
    path = module_file(module)
    assert path is not None
    folder = path.parent
    return "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*.py")))


def test_every_command_in_the_docs_names_a_module_of_this_repository() -> None:
    cmds = commands()
    assert len(cmds) > 50, "the command scan found almost nothing: is the pattern broken?"
    missing = sorted({f"{doc}: python -m {module}" for doc, module, _ in cmds if module_file(module) is None})
    assert not missing, missing


def test_every_subcommand_and_flag_in_the_docs_is_declared() -> None:
    problems = set()
    for doc, module, words in commands():
        if module_file(module) is None:
            continue
        source = declared(module)
        for i, word in enumerate(words):
            if word.startswith("--"):
                flag = re.match(r"--[\w-]*", word).group(0)
                if flag != "--help" and f'"{flag}"' not in source:
                    problems.add(f"{doc}: {module} {flag}: no such option")
            elif (i == 0 and re.fullmatch(r"[a-z][a-z-]+", word) and "add_parser(" in source
                  and f'"{word}"' not in source):
                # The first bare word after a command with subcommands must be one of them
                # (placeholders such as FILE or paths do not match the pattern).
                problems.add(f"{doc}: {module} {word}: no such subcommand")
    assert not problems, sorted(problems)


def test_every_repository_path_in_the_docs_exists() -> None:
    missing = sorted({f"{doc.name}: {p}" for doc in DOCS for p in PATH.findall(doc.read_text(encoding="utf-8"))
                      if not (REPO / p).exists()})
    assert not missing, missing
