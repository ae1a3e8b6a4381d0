"""MindzieApp: the Jupyter Server extension that builds the store and library and serves the API."""

from __future__ import annotations

import asyncio

from jupyter_server.extension.application import ExtensionApp
from traitlets import Instance, Int, Type

from jupyter_mindzie import __version__
from jupyter_mindzie.access import MindzieAccess
from jupyter_mindzie.api.datasets import dataset_routes
from jupyter_mindzie.api.executions import execution_routes
from jupyter_mindzie.api.info import info_routes
from jupyter_mindzie.api.notebooks import fallback_routes, notebook_routes
from jupyter_mindzie.api.openapi import openapi_routes
from jupyter_mindzie.execution.catalog import MindzieKernelCatalog
from jupyter_mindzie.execution.engine import MindzieEngine
from jupyter_mindzie.execution.pool import MindzieKernelPool
from jupyter_mindzie.execution.scheduler import MindzieScheduler
from jupyter_mindzie.notebooks.library import MindzieNotebookLibrary
from jupyter_mindzie.notebooks.projects import ProjectDirectory
from jupyter_mindzie.services import SETTINGS_KEY, Services
from jupyter_mindzie.storage.datasets import MindzieDatasetLibrary
from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.sqlite import MindzieStore


class MindzieApp(ExtensionApp):
    """Run process-mining notebooks as a service: the notebook API on the server's own parts."""

    name = "mindzie"
    extension_url = "/lab"
    load_other_extensions = True
    description = __doc__
    version = __version__
    # Listed so that `--help-all` of `jupyter server` and `jupyter mindzie` shows every section.
    classes = [
        *ExtensionApp.classes,
        MindzieStore,
        MindzieAccess,
        MindzieNotebookLibrary,
        MindzieDatasetLibrary,
        MindzieKernelCatalog,
        MindzieKernelPool,
        MindzieEngine,
        MindzieScheduler,
    ]

    store_class = Type(MindzieStore, klass=MindzieStore, config=True, help="The metadata store class.")
    access_class = Type(
        MindzieAccess, klass=MindzieAccess, config=True, help="Which users reach which tenants."
    )

    max_request_body = Int(
        20 * 2**20, config=True, help="Largest JSON request body accepted, in bytes (else 413)."
    )

    store: Instance[Store | None] = Instance(MindzieStore, allow_none=True)
    access = Instance(MindzieAccess, allow_none=True)
    library = Instance(MindzieNotebookLibrary, allow_none=True)
    datasets = Instance(MindzieDatasetLibrary, allow_none=True)
    engine = Instance(MindzieEngine, allow_none=True)
    scheduler = Instance(MindzieScheduler, allow_none=True)

    def initialize_settings(self) -> None:
        server = self.serverapp
        assert server is not None, "an extension is initialized by its server"
        self.store = self.store_class(parent=self)
        self.access = self.access_class(parent=self)
        kernels = MindzieKernelCatalog(parent=self, kernel_spec_manager=server.kernel_spec_manager)
        self.library = MindzieNotebookLibrary(
            parent=self,
            store=self.store,
            kernels=kernels,
            contents_manager=server.contents_manager,
        )
        self.datasets = MindzieDatasetLibrary(parent=self, store=self.store)
        pool = MindzieKernelPool(parent=self, kernel_manager=server.kernel_manager, kernel_catalog=kernels)
        self.engine = MindzieEngine(
            parent=self,
            store=self.store,
            library=self.library,
            datasets=self.datasets,
            kernel_manager=server.kernel_manager,
            pool=pool,
        )
        pool.warm()
        # Runs a killed or stopped server left behind are mended before anything new starts.
        asyncio.get_event_loop().create_task(self.engine.recover())
        self.scheduler = MindzieScheduler(parent=self, store=self.store, engine=self.engine)
        self.scheduler.start()
        self.settings[SETTINGS_KEY] = Services(
            access=self.access,
            library=self.library,
            datasets=self.datasets,
            engine=self.engine,
            max_request_body=self.max_request_body,
            projects=ProjectDirectory(self.store),
        )
        self.log.info("mindzie %s: store at %s", __version__, self.store.location)

    def initialize_handlers(self) -> None:
        self.handlers.extend(
            info_routes()
            + notebook_routes()
            + execution_routes()
            + dataset_routes()
            + openapi_routes()
            + fallback_routes()
        )

    async def stop_extension(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.engine is not None:
            await self.engine.stop()
        if self.store is not None:
            self.store.close()


main = launch_new_instance = MindzieApp.launch_instance
