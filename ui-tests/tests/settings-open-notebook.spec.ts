/**
 * Settings saved in the panel while the notebook is open in JupyterLab: the change reaches the
 * open document through its model, so JupyterLab never shows "File Changed", and the file and
 * the API agree afterwards, even after the editor saves again (issue 14, item 10).
 */
import { expect, test } from '@jupyterlab/galata';
import type { APIRequestContext, Page } from '@playwright/test';

import {
  MindziePanelHelper,
  createNotebookThroughApi,
  demoEventLog,
  newProject
} from './helpers/mindzie-panel';

test.use({ viewport: { width: 1400, height: 900 } });

/**
 * `metadata.mindzie.integration` of the file, as the contents API reads it from disk.
 */
async function fileIntegration(
  request: APIRequestContext,
  path: string
): Promise<Record<string, unknown>> {
  const response = await request.get(`/api/contents/${encodeURI(path)}?content=1`);
  expect(response.status()).toBe(200);
  const model = await response.json();
  return model.content.metadata.mindzie.integration;
}

async function apiIntegration(
  request: APIRequestContext,
  project: { tenantId: string; projectId: string },
  notebookId: string
): Promise<Record<string, unknown>> {
  const response = await request.get(
    `/api/${project.tenantId}/${project.projectId}/notebook/${notebookId}`
  );
  expect(response.status()).toBe(200);
  return (await response.json()).integration;
}

/**
 * Edit the open notebook's first cell, then save it the way JupyterLab does (Ctrl+S): the save
 * ends with the document clean unless a "File Changed" dialog stops it.
 */
async function editAndSaveInLab(page: Page, source: string): Promise<void> {
  await page.evaluate(text => {
    const widget = window.jupyterapp.shell.currentWidget as any;
    widget.content.model.cells.get(0).sharedModel.setSource(text);
  }, source);
  await expect
    .poll(() => page.evaluate(() => (window.jupyterapp.shell.currentWidget as any).model.dirty))
    .toBe(true);
  await page.evaluate(() => {
    void window.jupyterapp.commands.execute('docmanager:save');
  });
  await expect
    .poll(async () => {
      if (await page.locator('.jp-Dialog').count()) {
        return 'dialog';
      }
      return page.evaluate(() =>
        (window.jupyterapp.shell.currentWidget as any).model.dirty ? 'dirty' : 'saved'
      );
    })
    .toBe('saved');
}

test('saving a binding and a schedule in the panel under an open notebook shows no File Changed dialog', async ({
  page,
  request
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  const notebook = await createNotebookThroughApi(request, project, {
    notebookName: 'Open while bound',
    initialCells: [{ cellType: 'code', content: 'x = 1' }]
  });

  await mindzie.open();
  await mindzie.pickProject(project);
  await mindzie.uploadDataset(demoEventLog(), 'Loans');
  await expect(mindzie.datasetItems).toHaveCount(1);
  const datasetId = (await mindzie.datasetItems.first().getAttribute('data-dataset-id'))!;

  // Open the notebook in the editor, then its settings in the panel.
  await mindzie.notebookItems.first().hover();
  await mindzie.notebookItems.first().getByTestId('mindzie-open-notebook').click();
  await expect(page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)')).toBeVisible();
  await mindzie.open();
  await mindzie.selectNotebook('Open while bound');
  await mindzie.byTestId('mindzie-tab-settings').click();

  // The binding, with the editor clean.
  const select = mindzie.byTestId('mindzie-settings-dataset');
  await select.selectOption(datasetId);
  await mindzie.byTestId('mindzie-settings-save').click();
  await expect
    .poll(async () => (await apiIntegration(request, project, notebook.notebookId)).datasetBinding)
    .toBe(datasetId);
  expect((await fileIntegration(request, notebook.path)).datasetBinding).toBe(datasetId);
  // The open document got it too, and the editor's next save neither asks nor reverts it.
  await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)').click();
  await editAndSaveInLab(page, 'x = 2');
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
  expect((await fileIntegration(request, notebook.path)).datasetBinding).toBe(datasetId);
  expect((await apiIntegration(request, project, notebook.notebookId)).datasetBinding).toBe(
    datasetId
  );

  // A schedule, saved while the editor holds unsaved edits.
  await page.evaluate(() => {
    const widget = window.jupyterapp.shell.currentWidget as any;
    widget.content.model.cells.get(0).sharedModel.setSource('x = 3');
  });
  await mindzie.open();
  await mindzie.byTestId('mindzie-settings-auto').check();
  await mindzie.byTestId('mindzie-settings-cron').fill('0 6 * * 1-5');
  await mindzie.byTestId('mindzie-settings-save').click();
  await expect
    .poll(async () => (await apiIntegration(request, project, notebook.notebookId)).autoExecution)
    .toBe(true);
  await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)').click();
  await editAndSaveInLab(page, 'x = 4');
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);

  const file = await fileIntegration(request, notebook.path);
  const api = await apiIntegration(request, project, notebook.notebookId);
  expect(file).toEqual(api);
  expect(api).toMatchObject({
    autoExecution: true,
    scheduleExecution: '0 6 * * 1-5',
    datasetBinding: datasetId
  });
  // The cell edits were kept: the settings save did not revert the editor.
  const response = await request.get(`/api/contents/${encodeURI(notebook.path)}?content=1`);
  expect((await response.json()).content.cells[0].source).toBe('x = 4');
});
