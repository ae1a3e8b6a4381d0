/**
 * The rest of the panel for everyday use (issue 21): the file browser names a project's GUID
 * folders, the "not a mindzie notebook" toast uploads the open notebook, versions say who made
 * them, and history rows are buttons with their actions beside them.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

import {
  MindziePanelHelper,
  axeViolations,
  createNotebookThroughApi,
  demoEventLog,
  newProject
} from './helpers/mindzie-panel';

test.use({ viewport: { width: 1400, height: 900 } });

async function nameProject(
  page: Page,
  project: { tenantId: string; projectId: string },
  names: { tenantName?: string; projectName?: string }
): Promise<void> {
  const response = await page.request.put(
    `/api/mindzie/projects/${project.tenantId}/${project.projectId}`,
    { data: names }
  );
  expect(response.status(), await response.text()).toBe(200);
}

test('the file browser shows a project’s folders by name, the GUID on hover, and navigates by their paths', async ({
  page,
  request
}) => {
  const project = newProject();
  // Names of this test's own: the server keeps other tests' projects.
  const tag = project.projectId.slice(0, 4);
  const bank = `Contoso Bank ${tag}`;
  const loans = `Loan approvals ${tag}`;
  const notebook = await createNotebookThroughApi(request, project, {
    notebookName: 'Weekly throughput',
    initialCells: [{ cellType: 'code', content: 'x = 1' }]
  });
  const file = notebook.path.split('/').pop()!;
  await nameProject(page, project, {
    tenantName: bank,
    projectName: loans
  });
  // The names load on first sight of a GUID folder: a fresh page, the panel never opened.
  await page.reload();
  await page.waitForSelector('#jupyterlab-splash', { state: 'detached' });

  const browser = page.getByRole('region', { name: 'File Browser Section' });
  const row = (text: string) =>
    browser.locator('.jp-DirListing-item', {
      has: page.locator('.jp-DirListing-itemText', { hasText: text })
    });
  // JupyterLab may fold the first crumbs into an ellipsis: the named ones are the others.
  const crumbs = browser.locator(
    '.jp-BreadCrumbs-item[data-path]:not(.jp-BreadCrumbs-ellipsis)'
  );
  const cwd = () => page.filebrowser.getCurrentDirectory();

  await page.evaluate(() =>
    window.jupyterapp.commands.execute('filebrowser:go-to-path', {
      path: '/mindzie'
    })
  );
  const tenantRow = row(bank);
  await expect(tenantRow).toHaveCount(1);
  await expect(tenantRow).toHaveAttribute('data-mindzie-id', project.tenantId);
  await expect(tenantRow).toHaveAttribute(
    'title',
    new RegExp(`^Name: ${project.tenantId}\\nDisplay name: ${bank}`)
  );
  await expect(row(project.tenantId)).toHaveCount(0);

  // Into the tenant by double-click: the crumbs say the tenant's name, the path stays the GUID.
  await tenantRow.dblclick();
  const projectRow = row(loans);
  await expect(projectRow).toHaveCount(1);
  await expect(crumbs.last()).toHaveText(bank);
  await expect(crumbs.last()).toHaveAttribute(
    'title',
    new RegExp(project.tenantId)
  );
  expect(await cwd()).toBe(`mindzie/${project.tenantId}`);

  await projectRow.dblclick();
  await expect(row(file)).toHaveCount(1);
  await expect(crumbs.filter({ hasText: bank })).toHaveCount(1);
  await expect(crumbs.last()).toHaveText(loans);
  await expect(browser.locator('.jp-BreadCrumbs')).not.toContainText(
    project.projectId
  );
  expect(await cwd()).toBe(`mindzie/${project.tenantId}/${project.projectId}`);

  // A renamed project follows in the crumbs and the listing without a reload.
  await nameProject(page, project, { projectName: `${loans} 2026` });
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('mindzie:refresh')
  );
  await expect(crumbs.last()).toHaveText(`${loans} 2026`);

  // Back up through a crumb: navigation uses the GUID path behind the name.
  await crumbs.filter({ hasText: bank }).click();
  await expect(row(`${loans} 2026`)).toHaveCount(1);
  expect(await cwd()).toBe(`mindzie/${project.tenantId}`);

  // The notebook opens from its folder as any file does.
  await row(`${loans} 2026`).dblclick();
  await row(file).dblclick();
  await expect(
    page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)')
  ).toBeVisible();
});

test('“Upload” in the “not a mindzie notebook” toast uploads the open notebook, as it is on screen, into the current project', async ({
  page,
  request
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  // The panel is on a project (one notebook in it, so the project exists).
  await createNotebookThroughApi(request, project, {
    notebookName: 'Already here',
    initialCells: [{ cellType: 'code', content: 'x = 1' }]
  });
  const file = `Plain analysis ${project.projectId.slice(0, 4)}.ipynb`;
  const put = await request.put(`/api/contents/${encodeURIComponent(file)}`, {
    data: {
      type: 'notebook',
      format: 'json',
      content: {
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {
          kernelspec: {
            name: 'python3',
            display_name: 'Python 3 (ipykernel)',
            language: 'python'
          }
        },
        cells: [
          {
            id: 'c1',
            cell_type: 'code',
            source: 'answer = 1',
            metadata: {},
            outputs: [],
            execution_count: null
          }
        ]
      }
    }
  });
  expect(put.status(), await put.text()).toBe(201);
  await mindzie.open();
  await mindzie.pickProject(project);
  await expect(mindzie.notebookItems).toHaveCount(1);

  // Open the plain notebook and change it without saving: the upload takes what is on screen.
  await page.evaluate(async path => {
    await window.jupyterapp.commands.execute('docmanager:open', { path });
  }, file);
  await expect(
    page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)')
  ).toBeVisible();
  // Once the file is in the editor, change it there without saving.
  await expect(
    page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell').first()
  ).toContainText('answer = 1');
  await page.evaluate(() => {
    const widget = window.jupyterapp.shell.currentWidget as any;
    widget.content.model.cells.get(0).sharedModel.setSource('answer = 42');
  });
  await expect
    .poll(() =>
      page.evaluate(
        () => (window.jupyterapp.shell.currentWidget as any).model.dirty
      )
    )
    .toBe(true);
  let pickers = 0;
  page.on('filechooser', () => {
    pickers += 1;
  });

  await page
    .locator(
      '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar [data-command="mindzie:run-notebook"]'
    )
    .click();
  const toast = page
    .locator('.Toastify__toast')
    .filter({ hasText: 'is not a mindzie notebook' });
  await expect(toast).toBeVisible();
  await toast.getByRole('button', { name: 'Upload', exact: true }).click();

  // It is a notebook of the project now, its run form on the panel; no file picker opened.
  const stem = file.replace(/\.ipynb$/, '');
  await expect(mindzie.byTestId('mindzie-notebook-name')).toHaveText(stem);
  await expect(mindzie.byTestId('mindzie-run-form')).toBeVisible();
  expect(pickers).toBe(0);
  const list = await request.get(
    `/api/${project.tenantId}/${project.projectId}/notebooks`
  );
  const uploaded = (await list.json()).notebooks.find(
    (n: { notebookName: string }) => n.notebookName === stem
  );
  expect(uploaded).toBeTruthy();
  const one = await request.get(
    `/api/${project.tenantId}/${project.projectId}/notebook/${uploaded.notebookId}?includeContent=true`
  );
  const body = await one.json();
  expect(JSON.stringify(body.cells)).toContain('answer = 42');
});

test('the versions list says who made each version by the name the IdentityProvider gives, not a user id', async ({
  page
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  // The page's own user: its requests share the page's cookie, so they are this user's.
  const me = (await (await page.request.get('/api/me')).json()).identity;
  expect(me.display_name).toBeTruthy();
  expect(me.display_name).not.toBe(me.username);
  const notebook = await createNotebookThroughApi(page.request, project, {
    notebookName: 'Versioned',
    initialCells: [{ cellType: 'code', content: 'x = 1' }]
  });
  const edit = await page.request.put(
    `/api/${project.tenantId}/${project.projectId}/notebook/${notebook.notebookId}`,
    { data: { cells: [{ cellType: 'code', content: 'x = 2' }] } }
  );
  expect(edit.status(), await edit.text()).toBe(200);

  await mindzie.open();
  await mindzie.openProject(project);
  await mindzie.selectNotebook('Versioned');
  await mindzie.byTestId('mindzie-tab-history').click();
  const versions = mindzie.byTestId('mindzie-version-item');
  await expect(versions).toHaveCount(2);
  // Newest first: which version, what changed, who, when.
  await expect(versions.first()).toHaveAttribute('data-version', '1.1.0');
  await expect(versions.first()).toContainText('v1.1.0');
  await expect(versions.first()).toContainText('cells changed');
  await expect(versions.last()).toContainText('created');
  for (const author of await versions
    .getByTestId('mindzie-version-author')
    .all()) {
    await expect(author).toHaveText(me.display_name);
  }
  await expect(mindzie.byTestId('mindzie-versions')).not.toContainText(
    me.username
  );

  // A settings change made in the panel is a new version at once, by the same name.
  await mindzie.byTestId('mindzie-tab-settings').click();
  await mindzie.byTestId('mindzie-settings-auto').check();
  await mindzie.byTestId('mindzie-settings-cron').fill('0 6 * * 1-5');
  await mindzie.byTestId('mindzie-settings-save').click();
  await mindzie.byTestId('mindzie-tab-history').click();
  await expect(versions).toHaveCount(3);
  await expect(versions.first()).toContainText('settings changed');
  await expect(
    versions.first().getByTestId('mindzie-version-author')
  ).toHaveText(me.display_name);
});

test('history rows are buttons with their actions beside them; a run with failed cells, its results and the history pass axe', async ({
  page,
  request
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  await createNotebookThroughApi(request, project, {
    notebookName: 'Partly broken',
    initialCells: [
      { cellType: 'markdown', content: '# Partly broken' },
      {
        cellType: 'code',
        content:
          "import pandas as pd\npd.DataFrame({'case': [1, 2], 'hours': [3.5, 4.0]})"
      },
      { cellType: 'code', content: '# one bad division\nrate = 10 / 0' },
      { cellType: 'code', content: "print('still running')" }
    ]
  });
  await mindzie.open();
  await mindzie.openProject(project);
  await mindzie.selectNotebook('Partly broken');
  const execution = await mindzie.run();
  await expect(execution).toHaveAttribute('data-status', 'Completed', {
    timeout: 120_000
  });
  await expect(execution.getByTestId('mindzie-results')).toBeVisible();
  await expect(
    execution.locator('[data-testid="mindzie-output"]').first()
  ).toBeVisible();
  // The run view of a run with a failed cell, and its results.
  expect(
    await axeViolations(page, '.jp-mindzie-ExecutionTab:not(.lm-mod-hidden)')
  ).toEqual([]);

  await mindzie.open();
  await mindzie.byTestId('mindzie-tab-history').click();
  const row = mindzie.byTestId('mindzie-history-item');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-status', 'Completed');
  // No interactive control inside another: the row is not a button, its parts are.
  await expect(row).not.toHaveAttribute('role', 'button');
  await expect(row).not.toHaveAttribute('tabindex', /.*/);
  const open = row.getByTestId('mindzie-history-open');
  await expect(open).toHaveJSProperty('tagName', 'BUTTON');
  await expect(open.locator('button, [role=button], a, input')).toHaveCount(0);
  await expect(
    open.getByTestId('mindzie-completed-with-failures')
  ).toContainText(/1 of \d+ cells failed/);
  const failure = row.getByTestId('mindzie-first-failure');
  await expect(failure).toBeVisible();
  await expect(open.getByTestId('mindzie-first-failure')).toHaveCount(0);
  expect(await axeViolations(page, '#jp-mindzie-panel')).toEqual([]);

  // By keyboard: Tab goes from the row's button to its action; Enter opens the run.
  await open.focus();
  await page.keyboard.press('Tab');
  await expect(failure).toBeFocused();
  await open.focus();
  await page.keyboard.press('Enter');
  await expect(mindzie.execution).toBeVisible();
  await expect(mindzie.execution).toHaveAttribute('data-status', 'Completed');
});

test('a run’s dataset parameter shows as the dataset’s name in the history, not its id', async ({
  page,
  request
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  const notebook = await createNotebookThroughApi(request, project, {
    notebookName: 'Reads a log',
    initialCells: [{ cellType: 'code', content: "dataset_id = ''" }]
  });
  await mindzie.open();
  await mindzie.openProject(project);
  await mindzie.uploadDataset(demoEventLog(), 'Loan event log');
  await expect(mindzie.byTestId('mindzie-dataset-item')).toHaveCount(1, {
    timeout: 30_000
  });
  const listed = await request.get(
    `/api/${project.tenantId}/${project.projectId}/datasets`
  );
  expect(listed.status()).toBe(200);
  const { datasets } = await listed.json();
  expect(datasets).toHaveLength(1);
  const datasetId: string = datasets[0].datasetId;
  const started = await request.post(
    `/api/${project.tenantId}/${project.projectId}/notebook/${notebook.notebookId}/execute`,
    { data: { parameters: { dataset_id: datasetId } } }
  );
  expect(started.status(), await started.text()).toBe(202);

  await mindzie.selectNotebook('Reads a log');
  await mindzie.byTestId('mindzie-tab-history').click();
  const row = mindzie.byTestId('mindzie-history-item');
  await expect(row).toHaveCount(1, { timeout: 30_000 });
  await expect(row).toContainText('dataset_id=Loan event log');
  await expect(row).not.toContainText(datasetId);
});
