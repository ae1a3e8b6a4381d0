"""Server configuration for the Galata browser tests: no auth, a throw-away root directory."""

import os
from tempfile import mkdtemp

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # noqa: F821

configure_jupyter_server(c)

# Tests run as root here and on CI; without this the server exits at start.
c.ServerApp.allow_root = True
# A fresh directory for each run, so tests never write into the repository.
c.ServerApp.root_dir = mkdtemp(prefix="mindzie-ui-tests-")
# Not 8888, so a running `make demo` does not collide with the tests' own server.
c.ServerApp.port = int(os.environ.get("MINDZIE_UI_PORT", "8891"))
c.ServerApp.port_retries = 0
