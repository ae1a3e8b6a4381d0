"""The Python client of the notebook API: `from jupyter_mindzie.client import MindzieClient`."""

from jupyter_mindzie.client.rest import *  # noqa: F403 - the client's public names, listed once in rest.py
from jupyter_mindzie.client.rest import __all__  # noqa: F401
