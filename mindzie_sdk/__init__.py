"""`mindzie_sdk`: the name notebooks import the kernel-side helper by (`jupyter_mindzie.sdk`)."""

from jupyter_mindzie.sdk import *  # noqa: F403 - an alias: the same public names, one list of them
from jupyter_mindzie.sdk import __all__  # noqa: F401
