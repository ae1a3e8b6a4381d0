"""MindzieApp: the Jupyter Server extension that builds the store and library and serves the API."""

from __future__ import annotations

import asyncio

from jupyter_server.extension.application import ExtensionApp
from traitlets import Instance, Int, Type

from jupyter_mindzie import __version__
from jupyter_mindzie.access import TenantAccess
from jupyter_mindzie.api.datasets import dataset_routes
from jupyter_mindzie.api.executions import execution_routes
from jupyter_mindzie.api.info import info_routes
from jupyter_mindzie.api.notebooks import fallback_routes, notebook_routes
from jupyter_mindzie.api.openapi import openapi_routes
from jupyter_mindzie.execution.catalog import KernelCatalog
from jupyter_mindzie.execution.engine import Engine
from jupyter_mindzie.execution.pool import KernelPool
from jupyter_mindzie.execution.scheduler import Scheduler
from jupyter_mindzie.notebooks.library import NotebookLibrary
from jupyter_mindzie.storage.datasets import DatasetLibrary
from jupyter_mindzie.storage.sqlite import Store


class MindzieApp(ExtensionApp):
    """Run process-mining notebooks as a service: the notebook API on the server's own parts."""

    name = "mindzie"
    extension_url = "/lab"
    load_other_extensions = True
    description = __doc__
    version = __version__

    store_class = Type(Store, klass=Store, config=True, help="The metadata store class.")
    access_class = Type(
        TenantAccess, klass=TenantAccess, config=True, help="Which users reach which tenants."
    )

    max_request_body = Int(
        20 * 2**20, config=True, help="Largest JSON request body accepted, in bytes (else 413)."
    )

    store = Instance(Store, allow_none=True)
    access = Instance(TenantAccess, allow_none=True)
    library = Instance(NotebookLibrary, allow_none=True)
    datasets = Instance(DatasetLibrary, allow_none=True)
    engine = Instance(Engine, allow_none=True)
    scheduler = Instance(Scheduler, allow_none=True)

    def initialize_settings(self) -> None:
        self.store = self.store_class(parent=self)
        self.access = self.access_class(parent=self)
        kernels = KernelCatalog(parent=self, kernel_spec_manager=self.serverapp.kernel_spec_manager)
        self.library = NotebookLibrary(
            parent=self,
            store=self.store,
            kernels=kernels,
            contents_manager=self.serverapp.contents_manager,
        )
        self.datasets = DatasetLibrary(parent=self, store=self.store)
        pool = KernelPool(parent=self, kernel_manager=self.serverapp.kernel_manager, kernel_catalog=kernels)
        self.engine = Engine(
            parent=self,
            store=self.store,
            library=self.library,
            datasets=self.datasets,
            kernel_manager=self.serverapp.kernel_manager,
            pool=pool,
        )
        pool.warm()
        # Runs a killed or stopped server left behind are mended before anything new starts.
        asyncio.get_event_loop().create_task(self.engine.recover())
        self.scheduler = Scheduler(parent=self, store=self.store, engine=self.engine)
        self.scheduler.start()
        self.log.info("mindzie %s: store at %s", __version__, self.store.db_path)

    def initialize_handlers(self) -> None:
        self.handlers.extend(info_routes() + notebook_routes() + execution_routes() + dataset_routes() + openapi_routes() + fallback_routes())

    async def stop_extension(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.engine is not None:
            await self.engine.stop()
        if self.store is not None:
            self.store.close()


main = launch_new_instance = MindzieApp.launch_instance
