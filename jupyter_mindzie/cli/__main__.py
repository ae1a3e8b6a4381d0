"""`python -m jupyter_mindzie.cli`, the same as `jupyter mindzie`."""

import sys

from jupyter_mindzie.cli import main

main()
