"""Jinja's immutable sandbox as soc2ctl renders templates: native types kept, allow-listed callables,
counted work (the rules: soc2ctl.config.template_rules; the API and why: soc2ctl.config.templating).

Its own module because Jinja is imported only for a template: `templating` loads this on the first
template string it meets, so a run whose playbook holds none never imports Jinja (~35 ms of start-up:
its lexer and identifier patterns are compiled at import).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, islice
from typing import Any

from jinja2 import StrictUndefined, Undefined, meta, nodes
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
ENV = _SafeSandbox()


def parse(value: str) -> nodes.Template:
    template_rules.check_source(value)
    try:
        ast = ENV.parse(value)
    except RecursionError:
        raise TemplateLimit("nested too deeply") from None
    template_rules.check_ast(ast)
    return ast


def render(value: str, variables: dict[str, Any], key: str | None = None) -> Any:
    """Render one template string (errors as Jinja, TemplateLimit or Python raise them)."""
    ast = parse(value)
    template_rules.check_secret_use(ast, key)
    template = ENV.from_string(ast)
    budget = Budget()
    result = template.render({**variables, _BUDGET_VAR: budget})
    return template_rules.charge(budget, result)


def variables(value: str) -> set[str]:
    """The top-level variables one template string refers to."""
    return set(meta.find_undeclared_variables(parse(value))) - {_BUDGET_VAR}
