"""`python -m jupyter_mindzie.cli`, the same as `jupyter mindzie`."""

from jupyter_mindzie.cli import main

main()
