"""The services the API's handlers call, built once by `MindzieApp` and found in the web app's settings.

Handlers depend on this small record rather than on the app, so `api/` never imports `app.py`
(which imports every handler module): no import cycle, and a handler's needs are plain to see.
"""

from __future__ import annotations

from dataclasses import dataclass

from jupyter_mindzie.access import MindzieAccess
from jupyter_mindzie.events import MindzieEvents
from jupyter_mindzie.execution.engine import MindzieEngine
from jupyter_mindzie.notebooks.library import MindzieNotebookLibrary
from jupyter_mindzie.notebooks.projects import ProjectDirectory
from jupyter_mindzie.notify.notifier import MindzieNotifier
from jupyter_mindzie.offload import MindzieOffload
from jupyter_mindzie.storage.datasets import MindzieDatasetLibrary

SETTINGS_KEY = "mindzie_services"
# Set instead when the store could not be opened: why, for the 503 every endpoint then answers.
UNAVAILABLE_KEY = "mindzie_unavailable"


@dataclass(frozen=True)
class Services:
    """What a request may use: tenancy rules and the notebook, dataset and execution services."""

    access: MindzieAccess
    library: MindzieNotebookLibrary
    datasets: MindzieDatasetLibrary
    engine: MindzieEngine
    max_request_body: int
    projects: ProjectDirectory
    notifier: MindzieNotifier
    offload: MindzieOffload
    events: MindzieEvents | None = None
    """Server events (`jupyter_events`) of notebook changes; the runs' are told by the engine."""
