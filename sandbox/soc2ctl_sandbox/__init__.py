"""soc2ctl's sandbox organization: a local moto server, seeded with a drifted AWS Organization.

`plan` -> `apply` -> `plan` must converge across separate invocations, so the simulated AWS outlives each
command: a detached server process per sandbox directory, found through small files in that directory.

The interface soc2ctl uses is `Sandbox(directory)` (status, up, down, reset, ensure_running) and
`SandboxError`; importing this package imports the standard library only. moto, the moto extensions
(`moto_ext/`) and the seeds (`seed.py`, `seeds/`) load in the server process, and in the test suite.
"""

from soc2ctl_sandbox.control import Sandbox, SandboxError, Status

__all__ = ["Sandbox", "SandboxError", "Status"]
