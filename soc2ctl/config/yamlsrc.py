"""YAML loading that remembers where every key and list item came from, with limits for hostile files.

Pydantic reports errors as a location path (`controls.3.desired.kms_key_id`); `line_of` turns that path back
into the line of the YAML file, so every validation error can say `file:line`.

Playbooks and inventories arrive in pull requests, so loading refuses, with the line: duplicate keys (a second
`desired:` must not silently win), nesting deeper than `MAX_DEPTH`, aliases that expand past `MAX_NODES`
("billion laughs") or refer to themselves, integers longer than `MAX_INT_DIGITS`, and impossible dates.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from soc2ctl.config.safe_input import read_text
from soc2ctl.errors import Problem, UserError

MAX_DEPTH = 64
MAX_NODES = 200_000  # after alias expansion
MAX_INT_DIGITS = 40


class LineDict(dict):
    """A mapping from YAML with the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[Any, int]


class LineList(list):
    """A sequence from YAML with the line of each item (1-based)."""

    line: int = 0
    item_lines: list[int]


def _refuse(node: yaml.Node, problem: str) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, problem, node.start_mark)


class _LineLoader(yaml.SafeLoader):
    _depth = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Nesting is bounded here, before PyYAML's recursive composer and constructor could overflow."""
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(None, None, f"nested deeper than {MAX_DEPTH} levels", mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_document(self, node: yaml.Node) -> Any:
        _check_expansion(node)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        self.flatten_mapping(node)
        key_lines: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = key_lines.get(key)
            except TypeError:
                raise _refuse(key_node, f"unhashable key {key!r}") from None
            if first is not None:
                raise _refuse(
                    key_node, f"duplicate key {key!r} (lines {first} and {key_node.start_mark.line + 1})"
                )
            key_lines[key] = key_node.start_mark.line + 1
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = key_lines
        return mapping

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        digits = sum(c.isdigit() for c in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise _refuse(node, f"integer with {digits} digits (at most {MAX_INT_DIGITS}; quote it as text)")
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise _refuse(node, f"invalid date {node.value!r}: {exc}") from None

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        seq = LineList(super().construct_sequence(node, deep=True))
        seq.line = node.start_mark.line + 1
        seq.item_lines = [item.start_mark.line + 1 for item in node.value]
        return seq


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _LineLoader.construct_yaml_int)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_timestamp)


def _check_expansion(root: yaml.Node) -> None:
    """Nodes and depth after alias expansion, counted with a memo per node (so the count itself stays
    cheap); a node that contains itself is refused too."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _refuse(node, "an alias refers to the value that contains it")
        if len(active) >= MAX_DEPTH:
            raise _refuse(node, f"nested deeper than {MAX_DEPTH} levels (aliases)")
        active.add(key)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        total = 1
        for child in children:
            total += size(child)
            if total > MAX_NODES:
                raise _refuse(node, f"expands to more than {MAX_NODES} values (aliases)")
        active.discard(key)
        sizes[key] = total
        return total

    size(root)


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; syntax errors become a `UserError` naming file and line."""
    text = read_text(path)
    try:
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise UserError(Problem(f"invalid YAML: {exc.problem or exc}", str(path), line)) from None
    except yaml.YAMLError as exc:
        raise UserError(Problem(f"invalid YAML: {' '.join(str(exc).split())}", str(path))) from None
    except RecursionError:
        raise UserError(Problem(f"invalid YAML: nested deeper than {MAX_DEPTH} levels", str(path))) from None
    except (ValueError, OverflowError) as exc:  # PyYAML's own: chr() of an out-of-range "\U" escape
        raise UserError(Problem(f"invalid YAML: {' '.join(str(exc).split())[:200]}", str(path))) from None


def line_of(data: Any, loc: tuple[Any, ...]) -> int | None:
    """The deepest known line along a pydantic error location."""
    line = getattr(data, "line", None) or None
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        else:
            break
    return line
