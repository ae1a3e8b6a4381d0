"""`jupyter_mindzie.sdk`: the kernel-side helper under the package's name; it is `mindzie_sdk`."""

from mindzie_sdk import *  # noqa: F403 - an alias: the same public names, one list of them
from mindzie_sdk import __all__  # noqa: F401
