"""MindzieApp: the Jupyter Server extension that builds the store and library and serves the API."""

from __future__ import annotations

import asyncio

from jupyter_server.extension.application import ExtensionApp
from traitlets import Instance, Int, Type, Unicode

from jupyter_mindzie import __version__, metrics
from jupyter_mindzie.access import MindzieAccess
from jupyter_mindzie.api.dataset_files import dataset_file_routes
from jupyter_mindzie.api.datasets import dataset_routes
from jupyter_mindzie.api.executions import execution_routes
from jupyter_mindzie.api.info import info_routes
from jupyter_mindzie.api.notebooks import fallback_routes, notebook_routes
from jupyter_mindzie.api.openapi import openapi_routes
from jupyter_mindzie.authorizer import MindzieAuthorizer
from jupyter_mindzie.events import MindzieEvents
from jupyter_mindzie.execution.catalog import MindzieKernelCatalog
from jupyter_mindzie.execution.engine import MindzieEngine
from jupyter_mindzie.execution.kernel_client import message_limit
from jupyter_mindzie.execution.leases import MindzieLease, follow_other_servers
from jupyter_mindzie.execution.peer_news import PeerNews
from jupyter_mindzie.execution.pool import MindzieKernelPool
from jupyter_mindzie.execution.scheduler import MindzieScheduler
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.notebooks.following import ContentsFollower
from jupyter_mindzie.notebooks.library import MindzieNotebookLibrary
from jupyter_mindzie.notebooks.projects import ProjectDirectory
from jupyter_mindzie.notify.notifier import MindzieNotifier
from jupyter_mindzie.offload import MindzieOffload
from jupyter_mindzie.services import SETTINGS_KEY, UNAVAILABLE_KEY, Services
from jupyter_mindzie.storage.datasets import MindzieDatasetLibrary
from jupyter_mindzie.storage.interface import Store
from jupyter_mindzie.storage.postgres import MindziePostgresStore
from jupyter_mindzie.storage.sql import SqlStore
from jupyter_mindzie.storage.sqlite import MindzieStore
from jupyter_mindzie.storage.urls import open_store


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
        MindziePostgresStore,
        MindzieLease,
        MindzieAccess,
        MindzieNotebookLibrary,
        MindzieDatasetLibrary,
        MindzieKernelCatalog,
        MindzieKernelPool,
        MindzieEngine,
        MindzieScheduler,
        MindzieAuthorizer,
        MindzieNotifier,
        MindzieOffload,
    ]

    db_url = Unicode(
        "",
        config=True,
        help="Where the metadata lives: sqlite:///PATH (the default is the SQLite file "
        "<root>/.mindzie/mindzie.db, or MindzieStore.db_path) or postgresql://user:password@host:port/db "
        "(libpq URIs, Unix sockets too; needs jupyter-mindzie[postgres]). Several servers may share "
        "one PostgreSQL and one root directory.",
    )
    store_class = Type(
        MindzieStore, klass=SqlStore, config=True, help="The metadata store class, when db_url is not set."
    )
    access_class = Type(
        MindzieAccess, klass=MindzieAccess, config=True, help="Which users reach which tenants."
    )

    max_request_body = Int(
        20 * 2**20, config=True, help="Largest JSON request body accepted, in bytes (else 413)."
    )

    store: Instance[Store | None] = Instance(SqlStore, allow_none=True)
    lease = Instance(MindzieLease, allow_none=True)
    access = Instance(MindzieAccess, allow_none=True)
    library = Instance(MindzieNotebookLibrary, allow_none=True)
    datasets = Instance(MindzieDatasetLibrary, allow_none=True)
    engine = Instance(MindzieEngine, allow_none=True)
    scheduler = Instance(MindzieScheduler, allow_none=True)
    notifier = Instance(MindzieNotifier, allow_none=True)
    offload = Instance(MindzieOffload, allow_none=True)

    def initialize_settings(self) -> None:
        server = self.serverapp
        assert server is not None, "an extension is initialized by its server"
        try:
            store = self.store = (
                open_store(self.db_url, parent=self) if self.db_url else self.store_class(parent=self)
            )
        except Exception as error:
            # Loudly, and with the routes kept: every endpoint then answers 503 saying why, not
            # Jupyter's HTML 404 of an extension that silently failed to load.
            reason = Message(
                "the mindzie store cannot be opened: {error}. "
                "Check it with `jupyter mindzie db check` (and `jupyter mindzie db upgrade`).",
                error=error.args[0]
                if len(error.args) == 1 and isinstance(error.args[0], str)
                else str(error),
            )
            self.log.error("mindzie: %s", reason, exc_info=True)
            self.settings[UNAVAILABLE_KEY] = reason
            return
        self.lease = MindzieLease(parent=self, store=store)
        self.lease.register()
        self.access = self.access_class(parent=self)
        kernels = MindzieKernelCatalog(parent=self, kernel_spec_manager=server.kernel_spec_manager)
        self.offload = MindzieOffload(parent=self)
        self.library = MindzieNotebookLibrary(
            parent=self,
            offload=self.offload,
            store=self.store,
            kernels=kernels,
            contents_manager=server.contents_manager,
        )
        # JupyterLab's renames, moves and saves reach the library through the server's own events.
        ContentsFollower(self.library, self.log).listen(server.contents_manager.event_logger)
        self.datasets = MindzieDatasetLibrary(parent=self, store=self.store)
        pool = MindzieKernelPool(parent=self, kernel_manager=server.kernel_manager, kernel_catalog=kernels)
        self.engine = MindzieEngine(
            parent=self,
            store=self.store,
            library=self.library,
            datasets=self.datasets,
            kernel_manager=server.kernel_manager,
            pool=pool,
            lease=self.lease,
        )
        metrics.watch(self.engine)  # served at the server's own /metrics
        pool.default_size = self.engine.slots  # one warm kernel per slot unless configured
        # warm kernels' clients read no message a run could not keep
        pool.max_message_bytes = message_limit(
            self.engine.max_cell_output_bytes, self.engine.max_output_bytes
        )
        pool.warm()
        # Webhooks: each run's news becomes deliveries in the store's outbox, sent from there.
        self.notifier = MindzieNotifier(parent=self, store=store, server_id=self.lease.server_id)
        self.engine.lifecycle.subscribe(self.notifier.hear)
        self.notifier.start()
        # Runs a killed or stopped server left behind are mended before anything new starts,
        # and again whenever a peer sharing the store stops renewing its lease.
        self.lease.start(self.engine.recover, self.engine.cancel_requested_elsewhere)
        # Server events of every run and notebook change, peers' writes included.
        events = MindzieEvents(server.event_logger, self.engine) if server.event_logger else None
        if events is not None:
            events.listen()
        peers = PeerNews(self.store, self.engine.lifecycle, self.lease.server_id)
        follow_other_servers(
            self.store,
            self.engine.notifier,
            self.engine.cancel_requested_elsewhere,
            peers=peers.heard,
            queued=self.engine.wakeup.wake,
        )
        self.scheduler = MindzieScheduler(
            parent=self, store=self.store, engine=self.engine, access=self.access
        )
        self.scheduler.identity = self.lease.server_id  # the slots it claims name this server
        self.scheduler.start()
        self.settings[SETTINGS_KEY] = Services(
            access=self.access,
            library=self.library,
            datasets=self.datasets,
            engine=self.engine,
            max_request_body=self.max_request_body,
            projects=ProjectDirectory(self.store),
            events=events,
            notifier=self.notifier,
            offload=self.offload,
        )
        self.log.info("mindzie %s: store at %s", __version__, self.store.location)

    def initialize_handlers(self) -> None:
        self.handlers.extend(
            info_routes()
            + notebook_routes()
            + execution_routes()
            + dataset_routes()
            + dataset_file_routes()
            + openapi_routes()
            + fallback_routes()
        )

    async def stop_extension(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.engine is not None:
            await self.engine.stop()
            metrics.forget(self.engine)
        if self.notifier is not None:
            await self.notifier.stop()  # after the engine: the runs it ended are in the outbox
        if self.lease is not None:
            await self.lease.stop()
        if self.offload is not None:
            await asyncio.to_thread(self.offload.close)  # waits for the worker to exit
        if self.store is not None:
            self.store.close()


main = launch_new_instance = MindzieApp.launch_instance
