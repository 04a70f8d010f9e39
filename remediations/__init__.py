"""Built-in remediation modules: one file per kind of setting (see soc2ctl.remediation for the contract)."""
