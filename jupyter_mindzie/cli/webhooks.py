"""`jupyter mindzie webhook-secret TENANT PROJECT [--rotate]`: read or replace a project's key.

Webhook receivers check each delivery's signature with this secret (the README shows how).
Whoever can read the server's store administers it, so the command reads the store as
`jupyter mindzie db` does; the secret is made on first use, by this command or the first
delivery.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from jupyter_mindzie.cli.errors import OK
from jupyter_mindzie.cli.parser import PROG
from jupyter_mindzie.cli.texts import _

if TYPE_CHECKING:
    from jupyter_mindzie.cli.parser import Commands


def add_commands(commands: Commands) -> None:
    command = commands.add_parser(
        "webhook-secret",
        help=_("print (or rotate) the secret a project's webhooks are signed with"),
        description=_(
            "Print the secret the project's webhook deliveries are signed with "
            "(Standard Webhooks: whsec_…), making it on first use. --rotate replaces it: deliveries "
            "from then on, retries included, are signed with the new one."
        ),
    )
    command.add_argument("tenant", metavar="TENANT", help=_("the tenant's GUID"))
    command.add_argument("project", metavar="PROJECT", help=_("the project's GUID"))
    command.add_argument("--rotate", action="store_true", help=_("replace the secret with a new one"))
    command.add_argument(
        "--root", default=".", help=_("the server's root directory (default: the current one)")
    )
    command.add_argument("--db", metavar="PATH", help=_("the store file (default: ROOT/.mindzie/mindzie.db)"))
    command.add_argument("--db-url", metavar="URL", help=_("the server's MindzieApp.db_url"))
    command.set_defaults(handler=cmd_webhook_secret, prog=f"{PROG} webhook-secret")


def cmd_webhook_secret(options: argparse.Namespace) -> int:
    from jupyter_mindzie.cli.db import open_store
    from jupyter_mindzie.cli.errors import UsageError
    from jupyter_mindzie.errors import InvalidRequest
    from jupyter_mindzie.guids import parse_guid
    from jupyter_mindzie.notify.signing import new_secret

    try:
        tenant, project = parse_guid(options.tenant, "TENANT"), parse_guid(options.project, "PROJECT")
    except InvalidRequest as error:
        raise UsageError(error.args[0]) from None
    store = open_store(options)
    try:
        if options.rotate:
            store.rotate_webhook_secret(tenant, project, new_secret())
        print(store.webhook_secret(tenant, project, new_secret()))
    finally:
        store.close()
    return OK
