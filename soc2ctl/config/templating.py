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

Jinja itself is loaded with the first template string (soc2ctl.config.template_engine): a playbook that
holds none never imports it.
"""

from __future__ import annotations

from typing import Any

from soc2ctl.config.template_rules import TemplateLimit


class TemplateProblem(Exception):
    """One line saying which template failed and why (callers add file:line)."""

    def __init__(self, template: str, reason: str) -> None:
        shown = template if len(template) <= 80 else template[:77] + "..."
        reason = " ".join(str(reason).split())[:300]
        super().__init__(f"template {shown!r}: {reason}")


def _is_template(value: str) -> bool:
    return "{{" in value or "{%" in value


def render_one(value: str, variables: dict[str, Any], key: str | None = None) -> Any:
    """Render one template string; every failure is a `TemplateProblem`, never a Python error."""
    from jinja2 import TemplateError

    from soc2ctl.config import template_engine

    try:
        return template_engine.render(value, variables, key)
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
        from jinja2 import TemplateError

        from soc2ctl.config import template_engine

        try:
            return template_engine.variables(value)
        except (TemplateError, TemplateLimit) as exc:
            raise TemplateProblem(value, str(exc)) from None
    if isinstance(value, dict):
        return set().union(*(variables_used(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(variables_used(v) for v in value)) if value else set()
    return set()
