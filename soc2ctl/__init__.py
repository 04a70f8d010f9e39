"""soc2ctl: keep an AWS Organization in its SOC 2 control state."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("soc2ctl")
except PackageNotFoundError:  # running from a checkout without an install
    __version__ = "0.0.0+local"
