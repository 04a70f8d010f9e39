"""Every AWS call a module makes under moto must be covered by its declared IAM actions.

`soc2ctl iam-policy` builds the execution role's policy from `read_actions`/`write_actions`; a call missing
there would be an AccessDenied in a real account that no moto test can see. So, around every module test,
each `ModuleRun`'s sessions get a `before-parameter-build` recorder: it fires for every call the module
makes, before any fault hook answers it, so calls that a test denies or throttles still count. Each call is
mapped to its IAM action (`<signing name>:<Operation>`, with the exceptions table in soc2ctl.aws.iam_actions);
the engine's own STS calls are not the module's to declare. A write a module declares under a parameter
(`conditional_writes`) counts only when some run on those sessions turned that parameter on: `iam-policy`
grants it only then, so a call made with the parameter off would be an AccessDenied too.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from soc2ctl.aws.iam_actions import ENGINE_OPERATIONS, iam_action
from tests.helpers import ModuleRun


class ActionRecorder:
    """The IAM actions of the calls made through one AwsSessions, and the modules that used it."""

    def __init__(self) -> None:
        self.modules: dict[str, Any] = {}
        self.params: dict[str, list[Any]] = {}  # module name -> the parameters of each run
        self.actions: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        if (service, model.name) in ENGINE_OPERATIONS:
            return
        action = iam_action(service, model.service_model.signing_name, model.name)
        with self._lock:
            self.actions.add(action)

    def undeclared(self) -> list[str]:
        declared = {a for m in self.modules.values() for a in m.read_actions}
        for name, module in self.modules.items():
            for params in self.params.get(name) or [None]:
                declared |= module.writes_for(params)
        return sorted(self.actions - declared)


@pytest.fixture(autouse=True)
def declared_actions_cover_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[int, ActionRecorder]]:
    """Fails the test when a module called an API its read_actions + write_actions do not declare."""
    recorders: dict[int, ActionRecorder] = {}
    original = ModuleRun.__post_init__

    def post_init(run: ModuleRun) -> None:
        original(run)
        recorder = recorders.get(id(run.sessions))
        if recorder is None:
            recorder = recorders[id(run.sessions)] = ActionRecorder()
            run.sessions.register("before-parameter-build", recorder)
        recorder.modules[run.remediation.name] = run.remediation
        try:
            params = run.remediation.Params.model_validate(run.desired)
        except ValueError:
            params = None  # a test of invalid parameters: the engine rejects them before any write
        recorder.params.setdefault(run.remediation.name, []).append(params)

    monkeypatch.setattr(ModuleRun, "__post_init__", post_init)
    yield recorders  # by id(sessions), live
    problems = [
        f"{', '.join(sorted(r.modules))} called {', '.join(missing)}, not in read_actions/write_actions"
        for r in recorders.values()
        if (missing := r.undeclared())
    ]
    if problems:
        pytest.fail("undeclared IAM actions: " + "; ".join(problems), pytrace=False)
