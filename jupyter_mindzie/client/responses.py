"""What the client makes of a reply: the error an error reply stands for, a download on disk."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import requests

from jupyter_mindzie.errors import MindzieError

CHUNK = 256 * 1024


def problem_of(response: requests.Response) -> dict[str, Any]:
    """The problem document of an error reply; a made-up one when the body is not JSON."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    text = (response.text or "").strip().splitlines()
    return {
        "status": response.status_code,
        "title": response.reason,
        "detail": text[0] if text else response.reason,
    }


def raise_for_problem(response: requests.Response) -> None:
    """An error reply as the MindzieError its status and problem type stand for."""
    if response.status_code < 400:
        return
    retry_after = response.headers.get("Retry-After", "")
    raise MindzieError.from_problem(
        response.status_code,
        problem_of(response),
        retry_after=int(retry_after) if retry_after.isdigit() else None,
    )


def save_download(response: requests.Response, path: str | os.PathLike[str], url: str) -> Path:
    """Stream a download to `path` (a folder: the server's file name in it).

    Written under a temporary name and renamed, so `path` never holds half a file.
    """
    target = Path(path)
    if target.is_dir():
        target = target / attachment_name(response, url)
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("wb") as handle:
            for chunk in response.iter_content(CHUNK):
                handle.write(chunk)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def attachment_name(response: requests.Response, url: str) -> str:
    """The file name the server suggests (RFC 5987's `filename*` first), else the URL's last segment; never a path."""
    disposition = response.headers.get("Content-Disposition", "")
    extended = re.search(r"filename\*\s*=\s*UTF-8''([^;\s]+)", disposition, re.IGNORECASE)
    match = re.search(r'filename\s*=\s*"?([^";]+)"?', disposition)
    if extended:
        name = unquote(extended.group(1), encoding="utf-8")
    else:
        name = match.group(1) if match else url.rstrip("/").rsplit("/", 1)[-1]
    name = Path(name.replace("\\", "/")).name
    return name if name not in ("", ".", "..") else "download"
