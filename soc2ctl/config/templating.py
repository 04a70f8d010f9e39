"""Desired parameters templated from variables, with Jinja2's native types.

`"{{ backup_retention_days }}"` renders to the integer 35, not the string "35", so a parameter schema can
check types after templating. Undefined variables are errors (StrictUndefined), never empty strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain, islice
from typing import Any

from jinja2 import StrictUndefined, TemplateError, Undefined, meta
from jinja2.nativetypes import NativeCodeGenerator, NativeEnvironment, NativeTemplate


def _keep_types(values: Iterable[Any]) -> Any:
    """A lone `{{ expr }}` keeps its value's own type; anything else is text.

    Jinja's native concat would `literal_eval` strings, turning the account id "123456789012" into an
    integer and "000000000000" into 0: a variable's type must come from the variable, not its spelling.
    """
    items = list(islice(values, 2))
    if len(items) == 1:
        if isinstance(items[0], Undefined):
            str(items[0])  # StrictUndefined raises here, naming the variable
        return items[0]
    return "".join(str(v) for v in chain(items, values))


class _TypedCodeGenerator(NativeCodeGenerator):
    def _output_const_repr(self, group: Iterable[Any]) -> str:
        """Literal constants keep their type too (`{{ 5 }}` is 5)."""
        items = list(group)
        return repr(items[0]) if len(items) == 1 else repr("".join(str(v) for v in items))


class _TypedEnvironment(NativeEnvironment):
    concat = staticmethod(_keep_types)
    code_generator_class = _TypedCodeGenerator


class _TypedTemplate(NativeTemplate):
    environment_class = _TypedEnvironment


_TypedEnvironment.template_class = _TypedTemplate


_ENV = _TypedEnvironment(undefined=StrictUndefined, autoescape=False)


class TemplateProblem(Exception):
    pass


def _is_template(value: str) -> bool:
    return "{{" in value or "{%" in value


def render(value: Any, variables: dict[str, Any]) -> Any:
    if isinstance(value, str) and _is_template(value):
        try:
            return _ENV.from_string(value).render(variables)
        except TemplateError as exc:
            raise TemplateProblem(f"template {value!r}: {exc}") from None
    if isinstance(value, dict):
        return {k: render(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, variables) for v in value]
    return value


def variables_used(value: Any) -> set[str]:
    """Every top-level variable a (nested) value refers to, for the unknown-variable check."""
    if isinstance(value, str) and _is_template(value):
        try:
            return set(meta.find_undeclared_variables(_ENV.parse(value)))
        except TemplateError as exc:
            raise TemplateProblem(f"template {value!r}: {exc}") from None
    if isinstance(value, dict):
        return set().union(*(variables_used(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(variables_used(v) for v in value)) if value else set()
    return set()
