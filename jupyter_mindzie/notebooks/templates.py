"""Starting cells for new notebooks: `blank` and `process_mining_starter`.

Each template is a list of `TemplateCell`s; the cell tagged `parameters` holds papermill-style
defaults, so a run's parameters are injected right after it.
"""

from __future__ import annotations

from jupyter_mindzie.errors import InvalidRequest
from jupyter_mindzie.i18n import Message
from jupyter_mindzie.notebooks.cells import TemplateCell, parameters_source
from jupyter_mindzie.notebooks.starter import starter_cells

TEMPLATES = ("blank", "process_mining_starter")
PYTHON_ONLY = {"process_mining_starter"}


def template_cells(
    template: str, language: str, dataset_id: str | None, locale: str = "en"
) -> list[TemplateCell]:
    """A template's cells for a kernel `language`; `locale` ("en", "ja") is the language of its prose."""
    if template not in TEMPLATES:
        raise InvalidRequest.for_field(
            "template", Message("must be one of: {allowed}", allowed=", ".join(TEMPLATES))
        )
    if template in PYTHON_ONLY and language != "python":
        raise InvalidRequest.for_field(
            "template",
            Message(
                "{template} needs a Python kernel; this kernel's language is {language}",
                template=template,
                language=language,
            ),
        )
    if template == "blank":
        return [TemplateCell("code", parameters_source(language, dataset_id, locale=locale), ("parameters",))]
    return starter_cells(dataset_id, locale)
