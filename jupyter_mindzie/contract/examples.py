"""The headers and request examples the OpenAPI document's routes show."""

from __future__ import annotations

import json

LOCATION = {
    "Location": {
        "description": "The URL of the new resource.",
        "required": True,
        "schema": {"type": "string"},
    }
}
ETAG = {
    "ETag": {
        "description": 'The notebook version, quoted ("1.4.0"); send it back as If-Match.',
        "required": True,
        "schema": {"type": "string", "pattern": '^"[0-9]+\\.[0-9]+\\.[0-9]+"$'},
    }
}
STATUS_ETAG = {
    "ETag": {
        "description": "Names this status; send it back as If-None-Match, with `Prefer: wait=N`, to wait for the next change.",
        "required": True,
        "schema": {"type": "string"},
    }
}
PREFERENCE_APPLIED = {
    "Preference-Applied": {
        "description": "`wait=N` when the request asked to wait (N capped by `MindzieEngine.longest_status_wait`).",
        "required": False,
        "schema": {"type": "string", "pattern": "^wait=[0-9]+$"},
    }
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
PAGED = "page-query"

# Request examples, in the style of the vendor documentation; each is valid against its schema (tested).
CREATE_EXAMPLE = {
    "notebookName": "Process Mining Analysis",
    "notebookDescription": "Cycle times and bottlenecks of the order-to-cash log",
    "kernelType": "python3",
    "template": "process_mining_starter",
    "integration": {"enrichmentMode": True, "outputFormat": "enriched_dataframe", "autoExecution": False},
    "environment": {"packages": ["pandas>=2.0"]},
}
UPDATE_EXAMPLE = {
    "notebookDescription": "Weekly bottleneck report",
    "integration": {"autoExecution": True, "scheduleExecution": "0 6 * * 1"},
    "cells": [
        {"cellId": "cell-001", "cellType": "code", "content": "top_n = 5"},
        {"cellType": "markdown", "content": "# Bottlenecks"},
    ],
}
EXECUTE_EXAMPLE = {
    "executionMode": "all",
    "parameters": {"top_n_bottlenecks": 3},
    "outputOptions": {"captureOutputs": True, "saveIntermediateResults": False, "generateReport": True},
    "timeout": 600,
    "priority": "High",
    "stopOnError": False,
}
UPLOAD_EXAMPLE = {
    "file": json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [
                {
                    "id": "cell-001",
                    "cell_type": "code",
                    "metadata": {"tags": ["parameters"]},
                    "source": "x = 1",
                    "outputs": [],
                    "execution_count": None,
                }
            ],
        }
    ),
    "notebookName": "Customer Journey Analysis",
    "enrichmentMode": "true",
}
DATASET_EXAMPLE = {
    "file": "case_id,activity,timestamp\nc1,Order received,2024-01-02T09:00:00\nc1,Order shipped,2024-01-03T15:30:00\n",
    "name": "Order-to-cash event log",
}
