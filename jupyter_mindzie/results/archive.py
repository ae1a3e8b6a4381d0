"""One zip of an execution's artifacts, for `results?format=download`."""

from __future__ import annotations

import zipfile
from pathlib import Path

from jupyter_mindzie.results.extraction import plain_name, regular_file_size


def zip_artifacts(artifacts_dir: Path, names: list[str], target: Path) -> Path:
    """One zip of the named artifact files, streamed from disk file by file.

    Names that are not plain file names, and files missing on disk, are left out.
    """
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in dict.fromkeys(names):
            plain = plain_name(name)
            if plain is not None and regular_file_size(artifacts_dir / plain) is not None:
                archive.write(artifacts_dir / plain, arcname=plain)
    return target
