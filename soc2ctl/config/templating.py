"""Desired parameters templated from variables, in Jinja's immutable sandbox, with native types kept.

Templates come from pull requests and are rendered by `validate` and `plan` in CI with real credentials, so
they are hostile input. Three layers keep them harmless:

- The language is narrowed before anything runs (`soc2ctl.config.template_rules`): expressions and `{% if %}`
  only; no loops, macros, assignments, includes; no private attributes; bounded source size and nesting.
  Without loops or recursion the work of a render is bounded by the template's size times the size of its
  values, and the limits below bound the values.
- Jinja's `ImmutableSandboxedEnvironment` refuses `__globals__`/`__mro__`-style attribute chains and
  mutation; on top of it only a short list of pure filters, tests and methods may be called, and each
  result is measured (items and characters, counted with a cut-off) against a per-value cap and a per-render
  work budget. `range`, `*`, `**` and `join`/`replace` check their result size *before* building it.
- A secret-named variable (`db_password`) may only be placed whole under a secret-named key, never
  filtered or concatenated, so no `|list|join` can carry it past the plan's key-based masking.

Native types: `"{{ backup_retention_days }}"` renders to the integer 35, not the string "35", so a parameter
schema can check types after templating; a lone `{{ expr }}` keeps its value's own type (the account id
"000000000000" stays text). Undefined variables are errors (StrictUndefined), never empty strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, islice
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, meta, nodes
from jinja2.nativetypes import NativeCodeGenerator, NativeTemplate
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from soc2ctl.config import template_rules
from soc2ctl.config.template_rules import _BUDGET_VAR, Budget, TemplateLimit, context_budget


def _keep_types(values: Iterable[Any]) -> Any:
    """A lone `{{ expr }}` keeps its value's own type; anything else is text (length-checked).

    Jinja's native concat would `literal_eval` strings, turning the account id "123456789012" into an
    integer and "000000000000" into 0: a variable's type must come from the variable, not its spelling.
    """
    items = list(islice(values, 2))
    if len(items) == 1:
        if isinstance(items[0], Undefined):
            str(items[0])  # StrictUndefined raises here, naming the variable
        return items[0]
    text = ""
    for piece in chain(items, values):
        text += str(piece)
        if len(text) > template_rules.MAX_CHARS:
            raise TemplateLimit(f"output longer than {template_rules.MAX_CHARS} characters")
    return text


class _TypedCodeGenerator(NativeCodeGenerator):
    def _output_const_repr(self, group: Iterable[Any]) -> str:
        """Literal constants keep their type too (`{{ 5 }}` is 5)."""
        items = list(group)
        return repr(items[0]) if len(items) == 1 else repr("".join(str(v) for v in items))


class _SafeSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with native output, allow-listed callables and counted work."""

    code_generator_class = _TypedCodeGenerator
    concat = staticmethod(_keep_types)
    intercepted_binops = frozenset({"*", "**", "%", "+", "//", "/"})

    def __init__(self) -> None:
        super().__init__(undefined=StrictUndefined, autoescape=False)
        self.filters = template_rules.safe_filters(self.filters)
        self.tests = template_rules.safe_tests(self.tests)
        self.globals = {"range": template_rules.bounded_range, "dict": dict, "true": True, "false": False}

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        return template_rules.binop(context_budget(context), operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Only allow-listed callables run, and their result is measured."""
        if not template_rules.callable_allowed(__obj):
            raise SecurityError(f"calling {template_rules.callable_name(__obj)} is not allowed in templates")
        result = __context.call(__obj, *args, **kwargs)
        return template_rules.charge(context_budget(__context), result)


class _TypedTemplate(NativeTemplate):
    environment_class = _SafeSandbox


_SafeSandbox.template_class = _TypedTemplate
_ENV = _SafeSandbox()


class TemplateProblem(Exception):
    """One line saying which template failed and why (callers add file:line)."""

    def __init__(self, template: str, reason: str) -> None:
        shown = template if len(template) <= 80 else template[:77] + "..."
        reason = " ".join(str(reason).split())[:300]
        super().__init__(f"template {shown!r}: {reason}")


def _is_template(value: str) -> bool:
    return "{{" in value or "{%" in value


def _parse(value: str) -> nodes.Template:
    template_rules.check_source(value)
    try:
        ast = _ENV.parse(value)
    except RecursionError:
        raise TemplateLimit("nested too deeply") from None
    template_rules.check_ast(ast)
    return ast


def render_one(value: str, variables: dict[str, Any], key: str | None = None) -> Any:
    """Render one template string; every failure is a `TemplateProblem`, never a Python error."""
    try:
        ast = _parse(value)
        template_rules.check_secret_use(ast, key)
        template = _ENV.from_string(ast)
        budget = Budget()
        result = template.render({**variables, _BUDGET_VAR: budget})
        return template_rules.charge(budget, result)
    except (TemplateError, TemplateLimit) as exc:
        raise TemplateProblem(value, str(exc) or type(exc).__name__) from None
    except (ArithmeticError, TypeError, ValueError, LookupError, AttributeError) as exc:
        raise TemplateProblem(value, f"{type(exc).__name__}: {exc}") from None
    except (RecursionError, MemoryError) as exc:
        raise TemplateProblem(value, f"too large to render ({type(exc).__name__})") from None


def render(value: Any, variables: dict[str, Any], key: str | None = None) -> Any:
    """Render every template string in a nested value; `key` is the mapping key holding it, if any."""
    if isinstance(value, str) and _is_template(value):
        return render_one(value, variables, key)
    if isinstance(value, dict):
        return {k: render(v, variables, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, variables, key) for v in value]
    return value


def variables_used(value: Any) -> set[str]:
    """Every top-level variable a (nested) value refers to, for the unknown-variable check."""
    if isinstance(value, str) and _is_template(value):
        try:
            return set(meta.find_undeclared_variables(_parse(value))) - {_BUDGET_VAR}
        except (TemplateError, TemplateLimit) as exc:
            raise TemplateProblem(value, str(exc)) from None
    if isinstance(value, dict):
        return set().union(*(variables_used(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(variables_used(v) for v in value)) if value else set()
    return set()
