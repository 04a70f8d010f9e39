"""pytest plugin for running the suite's own #12 test files against 6289c10 (not part of the test suite).

Those test files import the modules of today's layout; 6289c10 had the same functions in flat modules. This
plugin maps each new import path to the old module that did the same job, and nothing else: the test bodies,
their inputs and their assertions run unchanged, on the old code.

- soc2ctl.cli.main        -> soc2ctl.cli          (`app`, the typer application)
- soc2ctl.config.templating -> soc2ctl.templating (`render`, `TemplateProblem`: both existed)
- soc2ctl.config.playbook -> a view of soc2ctl.playbook whose `load_playbooks`, when a test replaces it,
  replaces the loader the old `validate` command calls (soc2ctl.cli.load_playbook)
- soc2ctl.policy.scp_eval -> `aws_like(value, pattern)` is the old guard's own StringLike match
  (soc2ctl.scp_eval._value_matches, fnmatch); `effective_denials` has no old counterpart (the old guard
  evaluated only the policy being written) and raises, so the one unit test of it fails as "not in 6289c10"

Loaded with `-p old_api_shim` (benchmarks/old_main_regressions.sh puts this directory on PYTHONPATH).
"""

from __future__ import annotations

import sys
import types

import soc2ctl
import soc2ctl.cli as old_cli
import soc2ctl.playbook as old_playbook
import soc2ctl.scp_eval as old_scp_eval
import soc2ctl.templating as old_templating

_OLD_LOADER = old_cli.load_playbook


class _PlaybookView(types.ModuleType):
    def __getattr__(self, name: str):
        if name == "load_playbooks":
            return old_cli.load_playbook
        return getattr(old_playbook, name)

    def __setattr__(self, name: str, value) -> None:
        if name == "load_playbooks":
            old_cli.load_playbook = value  # what the old validate command calls
            return
        super().__setattr__(name, value)

    def __delattr__(self, name: str) -> None:
        if name == "load_playbooks":
            old_cli.load_playbook = _OLD_LOADER
            return
        super().__delattr__(name)


config = types.ModuleType("soc2ctl.config")
config.__path__ = []  # a package, so `from soc2ctl.config import playbook` resolves attributes
config.templating = old_templating
config.playbook = _PlaybookView("soc2ctl.config.playbook")
soc2ctl.config = config
sys.modules["soc2ctl.config"] = config
sys.modules["soc2ctl.config.templating"] = old_templating
sys.modules["soc2ctl.config.playbook"] = config.playbook
sys.modules["soc2ctl.cli.main"] = old_cli


def _aws_like(value: str, pattern: str) -> bool:
    return bool(old_scp_eval._value_matches("StringLike", value, pattern))


def _effective_denials(*_args, **_kwargs):
    raise NotImplementedError("6289c10 has no effective-SCP-set evaluation (it checked one policy alone)")


policy = types.ModuleType("soc2ctl.policy")
policy.__path__ = []
policy.scp_eval = types.ModuleType("soc2ctl.policy.scp_eval")
policy.scp_eval.aws_like = _aws_like
policy.scp_eval.effective_denials = _effective_denials
soc2ctl.policy = policy
sys.modules["soc2ctl.policy"] = policy
sys.modules["soc2ctl.policy.scp_eval"] = policy.scp_eval
