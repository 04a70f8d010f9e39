"""The `soc2ctl` command line."""
