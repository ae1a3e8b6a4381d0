"""jupyter-mindzie: run process-mining notebooks as a service from inside Jupyter."""

from typing import Any

try:
    from jupyter_mindzie._version import __version__
except ImportError:  # a source checkout that was never built
    __version__ = "dev"

__all__ = ["MindzieAuthorizer", "__version__"]


def __getattr__(name: str) -> Any:
    """`jupyter_mindzie.MindzieAuthorizer`, imported on first use: importing the package stays cheap."""
    if name == "MindzieAuthorizer":
        from jupyter_mindzie.authorizer import MindzieAuthorizer

        return MindzieAuthorizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-mindzie"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    from jupyter_mindzie.app import MindzieApp

    return [{"module": "jupyter_mindzie.app", "app": MindzieApp}]
