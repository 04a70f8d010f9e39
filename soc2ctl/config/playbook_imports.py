"""Several playbooks in one run: given together (`plan A.yml B.yml`) or by `import` (Ansible's
import_playbook), combined into one `Playbook`.

Each file is its own play: its controls run with its own `hosts`, `regions` and `vars`; the files share one
task graph, so `depends_on` may name a control of another file, and a control id may appear only once in
the whole run (a second one is an error naming both file:line).

Imports arrive in pull requests, so they are resolved defensively:
- paths are relative to the file that names them (absolute paths are refused), or a shipped playbook's
  name; symbolic links are resolved before the check below;
- the resolved file must lie under an allowed root: the directory of a playbook given on the command line,
  the working directory of the run, or the shipped playbooks. Those are the places the operator already
  pointed soc2ctl at; a playbook cannot reach `../../home/me/.aws/credentials` by naming it;
- a cycle (a file importing itself, directly or not) is an error naming the chain and the line; imports
  nest at most `MAX_IMPORT_DEPTH` deep and a run reads at most `MAX_PLAYBOOK_FILES` files; a file reached
  twice by different paths (A imports B and C, both import D) is read once.
A saved plan records every file read with its SHA-256 and the roots, so `apply PLAN` re-resolves the same
set and refuses a plan when any file changed (soc2ctl.run.saved_plan).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from soc2ctl.config import shipped
from soc2ctl.config.models import PlaybookFile, load_model
from soc2ctl.config.yamlsrc import line_of
from soc2ctl.errors import Problem, UserError

MAX_IMPORT_DEPTH = 8
MAX_PLAYBOOK_FILES = 64


@dataclass
class PlaybookSource:
    """One playbook file as read: its own hosts, regions and vars apply to its own controls."""

    path: Path
    spec: PlaybookFile
    raw: Any
    sha256: str

    def line(self, *loc: Any) -> int | None:
        return line_of(self.raw, loc)


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_playbooks(paths: Sequence[Path], roots: Sequence[Path]) -> tuple[list[PlaybookSource], set[Path]]:
    """Every file given and every file they import (imports first, each file once), and the resolved
    paths of the files given."""
    if not paths:
        raise UserError("no playbook given")
    loader = _Loader([Path(r) for r in roots])
    for path in paths:
        loader.visit(Path(path), ())
    return loader.files, loader.given


def default_roots(paths: Sequence[Path]) -> list[Path]:
    """Where imports may lead: the command-line playbooks' directories, the working directory, the
    shipped playbooks."""
    roots = [Path(p).resolve().parent for p in paths] + [Path.cwd().resolve()]
    roots += [d.resolve() for d in shipped.bundled_dirs("playbooks") if d.is_dir()]
    return list(dict.fromkeys(roots))


def run_settings(files: list[PlaybookSource]) -> dict[str, object]:
    """`drift` and `signing_key` hold for the whole run: any file may set them, but files must agree."""
    settings: dict[str, object] = {}
    where: dict[str, PlaybookSource] = {}
    for f in files:
        for key in ("drift", "signing_key"):
            if key not in f.spec.model_fields_set:
                continue
            value = getattr(f.spec, key)
            if key in settings and settings[key] != value:
                other = where[key]
                raise UserError(
                    Problem(
                        f"{key}: differs from {other.path}:{other.line(key)}; the playbooks of one run must "
                        "agree on it (set it in one of them)",
                        str(f.path),
                        f.line(key),
                    )
                )
            settings[key], where[key] = value, f
    return settings


class _Loader:
    def __init__(self, roots: list[Path]) -> None:
        self.roots = roots
        self.files: list[PlaybookSource] = []
        self.seen: set[Path] = set()
        self.given: set[Path] = set()

    def visit(self, path: Path, chain: tuple[tuple[Path, Problem], ...]) -> None:
        real = _resolved(path)
        if not chain:
            self.given.add(real)
        if real in (p for p, _ in chain):
            names = " -> ".join([str(p) for p, _ in chain[[p for p, _ in chain].index(real) :]] + [str(real)])
            raise UserError(Problem(f"import cycle: {names}", chain[-1][1].file, chain[-1][1].line))
        if real in self.seen:
            return
        if len(chain) > MAX_IMPORT_DEPTH:
            raise UserError(_at(chain, f"imports nested deeper than {MAX_IMPORT_DEPTH} levels"))
        if len(self.seen) >= MAX_PLAYBOOK_FILES:
            raise UserError(_at(chain, f"more than {MAX_PLAYBOOK_FILES} playbook files in one run"))
        self.seen.add(real)
        try:
            spec, raw = load_model(PlaybookFile, path)
        except UserError as exc:
            if chain:  # say which import brought the file in
                exc.problems.append(_at(chain, f"  (imported here: {path})"))
            raise
        source = PlaybookSource(path, spec, raw, file_sha256(path))
        for j, entry in enumerate(spec.imports):
            here = Problem("", str(path), source.line("import", j))
            self.visit(self.resolve(entry, path, here), (*chain, (real, here)))
        self.files.append(source)

    def resolve(self, entry: str, importer: Path, here: Problem) -> Path:
        def refuse(message: str) -> UserError:
            return UserError(Problem(f"import {entry!r}: {message}", here.file, here.line))

        if os.path.isabs(entry):
            raise refuse("give a path relative to this playbook (or a shipped playbook's name)")
        candidate = importer.parent / entry
        if not os.path.lexists(candidate) and len(Path(entry).parts) == 1:
            try:
                candidate = shipped.resolve(Path(entry), "playbooks")
            except UserError:
                raise refuse(
                    "no such playbook (relative to this file), and no shipped playbook of that name"
                ) from None
        if not os.path.lexists(candidate):
            raise refuse("no such playbook (paths are relative to this file)")
        try:
            real = _resolved(candidate)
        except UserError:
            raise refuse("cannot be resolved (a symbolic link loop, or a name too long)") from None
        if not any(real.is_relative_to(root) for root in self.roots):
            roots = ", ".join(str(r) for r in self.roots)
            raise refuse(f"leads outside the directories imports may read ({roots})")
        return real  # read what was checked, not the link that led there


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError) as exc:  # link loops (RuntimeError before 3.13), NUL bytes
        raise UserError(Problem(f"cannot resolve the path: {exc}", str(path))) from None


def _at(chain: tuple[tuple[Path, Problem], ...], message: str) -> Problem:
    return Problem(message, chain[-1][1].file, chain[-1][1].line)
