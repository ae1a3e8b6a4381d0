"""The vendor documentation's Python client, as users copy it (its `list_notebooks` bug fixed).

Only the notebook half is used until executions exist; the code is kept as the document has it.
"""

import time
from pathlib import Path

import requests


class NotebookManager:
    def __init__(self, base_url, tenant_id, project_id, token):
        self.base_url = base_url
        self.tenant_id = tenant_id
        self.project_id = project_id
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def create_notebook(self, name, description, kernel_type="python3", template=None, integration=None):
        url = f"{self.base_url}/api/{self.tenant_id}/{self.project_id}/notebook"
        payload = {
            "notebookName": name,
            "notebookDescription": description,
            "kernelType": kernel_type,
            "template": template,
            "integration": integration
            or {"enrichmentMode": True, "outputFormat": "enriched_dataframe", "autoExecution": False},
        }
        response = requests.post(url, json=payload, headers=self.headers)
        return response.json()

    def upload_notebook(self, file_path, name, dataset_binding=None):
        url = f"{self.base_url}/api/{self.tenant_id}/{self.project_id}/notebook/upload"
        with open(file_path, "rb") as file:
            files = {"file": (Path(file_path).name, file, "application/json")}
            data = {"notebookName": name, "enrichmentMode": "true", "datasetBinding": dataset_binding or ""}
            headers = {k: v for k, v in self.headers.items() if k != "Content-Type"}
            response = requests.post(url, files=files, data=data, headers=headers)
        return response.json()

    def get_execution_status(self, notebook_id, execution_id):
        url = f"{self.base_url}/api/{self.tenant_id}/{self.project_id}/notebook/{notebook_id}/execution/{execution_id}"
        response = requests.get(url, headers=self.headers)
        return response.json()

    def wait_for_completion(self, notebook_id, execution_id, poll_interval=15, timeout=3600):
        start_time = time.time()
        while time.time() - start_time < timeout:
            status = self.get_execution_status(notebook_id, execution_id)
            if status["status"] in ["Completed", "Error", "Cancelled"]:
                return status
            time.sleep(poll_interval)
        raise TimeoutError(execution_id)

    def list_notebooks(self, status=None, enrichment_mode=None, page=1, page_size=20):
        # the document wrote self.tenantId / self.projectId here
        url = f"{self.base_url}/api/{self.tenant_id}/{self.project_id}/notebooks"
        params = {"page": page, "pageSize": page_size}
        if status:
            params["status"] = status
        if enrichment_mode is not None:
            params["enrichmentMode"] = str(enrichment_mode).lower()
        response = requests.get(url, params=params, headers=self.headers)
        return response.json()
