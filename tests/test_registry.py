"""The registry finds a module by name from its own file, and the same instance as the whole registry."""

from __future__ import annotations

import json
import subprocess
import sys

from soc2ctl import registry

PROBE = """
import json, sys
from soc2ctl import registry
module = registry.get("iam-password-policy")
loaded = sorted(m for m in sys.modules if m.startswith("remediations.") and not m.split(".")[1].startswith("_"))
same = registry.registry()["iam-password-policy"] is module
print(json.dumps({"name": module.name, "loaded": loaded, "same": same, "unknown": registry.get("no-such")}))
"""


def test_every_built_in_module_lives_in_the_file_its_name_says():
    for name, module in registry.registry().items():
        if type(module).__module__.startswith("remediations."):
            assert type(module).__module__ == "remediations." + name.replace("-", "_"), name


def test_a_lookup_by_name_imports_that_module_only_and_shares_its_instance():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    assert found["name"] == "iam-password-policy"
    # before registry() was asked for everything, only the named module had been imported
    assert found["loaded"] == ["remediations.iam_password_policy"]
    assert found["same"] is True and found["unknown"] is None


def test_names_that_are_not_a_built_in_file_go_to_the_whole_registry():
    assert registry._builtin("../etc") is None and registry._builtin("_aws") is None
    assert registry._builtin("no-such-module") is None
    assert registry.get("no-such-module") is None
