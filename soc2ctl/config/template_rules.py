"""What a template may do, and how much: the rules behind `soc2ctl.config.templating`'s sandbox.

Kept apart from the environment wiring so each rule is a short pure function with its reason next to it.
Limits are counts, never wall-clock time: a loaded CI machine must give the same answer as an idle laptop.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Iterator, Mapping
from itertools import islice
from typing import TYPE_CHECKING, Any

from soc2ctl.config.secret_names import is_secret_key

if TYPE_CHECKING:  # Jinja is imported by the functions that walk a parsed template or wrap its filters:
    from jinja2 import nodes  # TemplateLimit and the limits are read by every run, templates or not

MAX_SOURCE = 10_000  # characters of one template string
MAX_BRACKET_DEPTH = 32  # nested ( [ { in one template
MAX_ITEMS = 100_000  # items + characters of any one value a template builds
MAX_CHARS = 100_000  # characters of a rendered text
MAX_RANGE = 10_000  # items of range()
MAX_INT_BITS = 16_000  # about 4,800 decimal digits
MAX_WORK = 2_000_000  # units (items measured) one render may spend


class TemplateLimit(Exception):
    """A template asked for more than it may (size, nesting, work) or for something it may not do."""


class Budget:
    """Work units spent by one render: every built value is measured, and measuring is the work counted."""

    def __init__(self) -> None:
        self.used = 0

    def spend(self, units: int) -> None:
        self.used += units
        if self.used > MAX_WORK:
            raise TemplateLimit(f"rendering needs more than {MAX_WORK} units of work")


# ---------------------------------------------------------------- measuring


def measure(value: Any, cap: int = MAX_ITEMS) -> int:
    """Items plus characters in a value, counted up to `cap + 1` (so measuring is itself bounded)."""
    total, stack = 0, [value]
    while stack and total <= cap:
        item = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item) + 1
        elif isinstance(item, int) and not isinstance(item, bool):
            total += item.bit_length() // 32 + 1
        elif isinstance(item, range):
            total += len(item) + 1
        elif isinstance(item, Mapping):
            total += 1
            stack.extend(islice((x for kv in item.items() for x in kv), cap - total + 2))
        elif isinstance(item, list | tuple | set | frozenset):
            total += 1
            stack.extend(islice(item, cap - total + 2))
        else:
            total += 1
    return total


def charge(budget: Budget, result: Any) -> Any:
    """Materialise a lazy result (bounded) and measure it against the size cap and the budget."""
    if isinstance(result, Iterator | types.GeneratorType):
        result = list(islice(result, MAX_ITEMS + 1))
    size = measure(result)
    budget.spend(size)
    if size > MAX_ITEMS:
        raise TemplateLimit(f"a value larger than {MAX_ITEMS} items/characters")
    if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
        raise TemplateLimit(f"an integer longer than {MAX_INT_BITS} bits")
    return result


# ---------------------------------------------------------------- source and syntax


def check_source(source: str) -> None:
    if len(source) > MAX_SOURCE:
        raise TemplateLimit(f"template longer than {MAX_SOURCE} characters")
    depth = deepest = 0
    for char in source:
        if char in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in ")]}":
            depth = max(0, depth - 1)
    if deepest > MAX_BRACKET_DEPTH + 2:  # `{{` itself counts two
        raise TemplateLimit(f"brackets nested deeper than {MAX_BRACKET_DEPTH}")


@functools.cache
def _allowed_nodes() -> tuple[type[nodes.Node], ...]:
    """The node types a template may contain."""
    from jinja2 import nodes

    return (
        nodes.Template,
        nodes.Output,
        nodes.TemplateData,
        nodes.If,
        nodes.Const,
        nodes.Name,
        nodes.Getattr,
        nodes.Getitem,
        nodes.Slice,
        nodes.Filter,
        nodes.Test,
        nodes.CondExpr,
        nodes.And,
        nodes.Or,
        nodes.Not,
        nodes.Neg,
        nodes.Pos,
        nodes.Compare,
        nodes.Operand,
        nodes.BinExpr,
        nodes.Concat,
        nodes.List,
        nodes.Tuple,
        nodes.Dict,
        nodes.Pair,
        nodes.Call,
        nodes.Keyword,
    )


def check_ast(ast: nodes.Template) -> None:
    """Expressions and `{% if %}` only: without loops, macros or assignments a render's work is bounded by
    the template's size times the size of its values. Private names and attributes are refused outright."""
    from jinja2 import nodes

    stack: list[nodes.Node] = [ast]
    while stack:
        node = stack.pop()
        if not isinstance(node, _allowed_nodes()):
            raise TemplateLimit(
                f"{type(node).__name__} is not allowed in templates (expressions and {{% if %}} only)"
            )
        private = (
            (isinstance(node, nodes.Name) and node.name.startswith("_"))
            or (isinstance(node, nodes.Getattr) and node.attr.startswith("_"))
            or (
                isinstance(node, nodes.Getitem)
                and isinstance(node.arg, nodes.Const)
                and str(node.arg.value).startswith("_")
            )
        )
        if private:
            raise TemplateLimit("names starting with '_' are not allowed in templates")
        stack.extend(node.iter_child_nodes())


def _secret_names(ast: nodes.Template) -> list[str]:
    from jinja2 import nodes

    found = [n.name for n in ast.find_all(nodes.Name) if is_secret_key(n.name)]
    found += [n.attr for n in ast.find_all(nodes.Getattr) if is_secret_key(n.attr)]
    found += [
        str(n.arg.value)
        for n in ast.find_all(nodes.Getitem)
        if isinstance(n.arg, nodes.Const) and is_secret_key(str(n.arg.value))
    ]
    return found


def check_secret_use(ast: nodes.Template, key: str | None) -> None:
    """A secret-named variable is placed whole under a secret-named key, or not at all: plan masking works
    by key name, so `{{ db_password|list|join }}` under `description:` would print it."""
    from jinja2 import nodes

    secrets = _secret_names(ast)
    if not secrets:
        return
    body = ast.body
    lone = (
        len(body) == 1
        and isinstance(body[0], nodes.Output)
        and len(body[0].nodes) == 1
        and isinstance(body[0].nodes[0], nodes.Name)
    )
    if not (lone and key is not None and is_secret_key(key)):
        raise TemplateLimit(
            f"secret variable {secrets[0]!r} may only be used whole ({{{{ {secrets[0]} }}}}) as the value "
            "of a secret-named parameter, never filtered, combined or placed under another key"
        )


# ---------------------------------------------------------------- filters, tests, calls, operators


def _words(text: str) -> list[str]:
    return text.split()


_PLAIN_FILTERS = _words(
    "abs attr batch capitalize count d default dictsort first float groupby int items last length "
    "list lower map max min reject rejectattr reverse round select selectattr sort string sum title "
    "tojson trim truncate unique upper wordcount urlencode"
)
_SAFE_TESTS = _words(
    "boolean defined divisibleby eq equalto false float ge gt greaterthan in integer iterable le "
    "lower lt lessthan mapping ne none number odd even sameas sequence string true undefined upper == "
    "!= > >= < <="
)


def _join(value: Any, d: str = "", attribute: Any = None) -> str:
    items = list(islice(value, MAX_ITEMS + 1)) if not isinstance(value, str) else list(value)
    if len(items) * (len(str(d)) + 1) > MAX_ITEMS:
        raise TemplateLimit(f"join would exceed {MAX_ITEMS} characters")
    if attribute is not None:
        raise TemplateLimit("join(attribute=...) is not allowed; use map(attribute=...)|join")
    return str(d).join(str(i) for i in items)


def _replace(value: Any, old: str, new: str, count: int | None = None) -> str:
    text, old, new = str(value), str(old), str(new)
    hits = text.count(old) if old else len(text) + 1
    if count is not None and count >= 0:
        hits = min(hits, count)
    if len(text) + hits * len(new) > MAX_CHARS:
        raise TemplateLimit(f"replace would exceed {MAX_CHARS} characters")
    return text.replace(old, new, -1 if count is None else count)


def _measured(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a filter so its (possibly lazy) result is materialised, measured and charged."""
    from jinja2 import pass_context
    from jinja2.utils import _PassArg

    kind = _PassArg.from_obj(func)

    @pass_context
    @functools.wraps(func)
    def wrapper(context: Any, *args: Any, **kwargs: Any) -> Any:
        if kind is _PassArg.context:
            result = func(context, *args, **kwargs)
        elif kind is _PassArg.eval_context:
            result = func(context.eval_ctx, *args, **kwargs)
        elif kind is _PassArg.environment:
            result = func(context.environment, *args, **kwargs)
        else:
            result = func(*args, **kwargs)
        return charge(context_budget(context), result)

    wrapper.jinja_pass_arg = _PassArg.context  # type: ignore[attr-defined]
    return wrapper


def safe_filters(builtin: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    """Pure, size-bounded filters only: no `format`/`center`/`indent`/`wordwrap`/`slice` (their work grows
    with an argument, not the input), no `random` (plans must be reproducible)."""
    chosen = {name: builtin[name] for name in _PLAIN_FILTERS if name in builtin}
    chosen.update({"join": _join, "replace": _replace})
    return {name: _measured(name, func) for name, func in chosen.items()}


def safe_tests(builtin: Mapping[str, Callable[..., Any]]) -> dict[str, Callable[..., Any]]:
    return {name: builtin[name] for name in _SAFE_TESTS if name in builtin}


def bounded_range(*args: int) -> range:
    if not all(isinstance(a, int) for a in args):
        raise TemplateLimit("range() takes integers")
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise TemplateLimit(f"range() longer than {MAX_RANGE}")
    return rng


_SAFE_METHODS = {
    str: frozenset(
        _words(
            "lower upper strip lstrip rstrip split rsplit splitlines startswith endswith title capitalize "
            "casefold swapcase isdigit isalpha isalnum islower isupper isspace isdecimal isnumeric find "
            "rfind index rindex count partition rpartition removeprefix removesuffix"
        )
    ),
    dict: frozenset({"get", "keys", "values", "items"}),
    list: frozenset({"index", "count"}),
    tuple: frozenset({"index", "count"}),
}


def callable_allowed(obj: Any) -> bool:
    if obj is bounded_range or obj is dict:
        return True
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", "")
    return any(isinstance(owner, kind) and name in names for kind, names in _SAFE_METHODS.items())


def callable_name(obj: Any) -> str:
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", type(obj).__name__)
    return f"{type(owner).__name__}.{name}" if owner is not None else name


def binop(budget: Budget, operator: str, left: Any, right: Any) -> Any:
    """`*` and `**` are checked before they build anything; `%` string formatting is refused (a width
    such as `%999999999d` allocates before any check could run)."""
    if operator == "*":
        for seq, n in ((left, right), (right, left)):
            sequence = isinstance(seq, str | list | tuple) and isinstance(n, int) and n > 0
            if sequence and measure(seq) * n > MAX_ITEMS:
                raise TemplateLimit(f"repetition would exceed {MAX_ITEMS} items/characters")
        if _ints(left, right) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise TemplateLimit(f"an integer longer than {MAX_INT_BITS} bits")
    huge_power = _ints(left, right) and right > 0 and abs(left) > 1
    if operator == "**" and huge_power and left.bit_length() * right > MAX_INT_BITS:
        raise TemplateLimit(f"an integer longer than {MAX_INT_BITS} bits")
    if operator == "%" and isinstance(left, str):
        raise TemplateLimit("string formatting with % is not allowed; use ~ to join text")
    return charge(budget, _OPERATORS[operator](left, right))


def _ints(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "*": lambda a, b: a * b,
    "**": lambda a, b: a**b,
    "%": lambda a, b: a % b,
    "+": lambda a, b: a + b,
    "//": lambda a, b: a // b,
    "/": lambda a, b: a / b,
}


_BUDGET_VAR = "__soc2ctl_budget"  # the render's Budget, passed to filters and operators in the context


def context_budget(context: Any) -> Budget:
    budget = context.parent.get(_BUDGET_VAR) if context is not None else None
    return budget if isinstance(budget, Budget) else Budget()
