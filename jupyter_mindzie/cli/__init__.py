"""`jupyter mindzie`: the server, headless runs, and the store's upkeep, one module per family."""

from jupyter_mindzie.cli.main import main

__all__ = ["main"]
