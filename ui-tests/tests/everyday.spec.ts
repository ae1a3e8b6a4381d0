/**
 * The panel for everyday use (issue 21): names instead of GUIDs, schedules in the analyst's
 * time zone, a run form that remembers, cells by their headings, one tab per notebook's runs,
 * the default 300 px sidebar, validation before submit, the keyboard alone and axe-core.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Page } from '@playwright/test';

import {
  MindziePanelHelper,
  createNotebookThroughApi,
  newProject
} from './helpers/mindzie-panel';

test.use({ viewport: { width: 1400, height: 900 } });

/**
 * Give a project display names through the API (setup: the panel's own renaming is tested).
 */
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

test('projects, tenants, notebooks and datasets show by name, with the id on hover and a copy button', async ({
  page,
  request
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  await createNotebookThroughApi(request, project, {
    notebookName: 'Weekly throughput',
    initialCells: [{ cellType: 'code', content: 'x = 1' }]
  });
  await nameProject(page, project, {
    tenantName: 'Contoso Bank',
    projectName: 'Loan approvals'
  });
  await mindzie.open();
  await page.evaluate(() =>
    window.jupyterapp.commands.execute('mindzie:refresh')
  );
  await mindzie.pickProject(project);

  // The picker and the line below it say the names; the GUIDs are on hover.
  const select = mindzie.byTestId('mindzie-project-select');
  const option = select.locator(
    `option[value="${project.tenantId}/${project.projectId}"]`
  );
  await expect(option).toHaveText(/Loan approvals/);
  await expect(option).not.toHaveText(new RegExp(project.projectId));
  await expect(select).toHaveAttribute('title', new RegExp(project.projectId));
  const tenant = mindzie.byTestId('mindzie-tenant-name');
  await expect(tenant).toHaveText('Contoso Bank');
  await expect(tenant).toHaveAttribute('title', new RegExp(project.tenantId));
  await expect(mindzie.byTestId('mindzie-project-detail')).not.toContainText(
    project.tenantId.split('-')[0]
  );
  await expect(mindzie.byTestId('mindzie-copy-project-id')).toHaveAttribute(
    'title',
    new RegExp(project.projectId)
  );

  // Renamed from the panel: the picker follows at once, the id stays.
  await mindzie.byTestId('mindzie-rename-project').click();
  await mindzie.dialog
    .getByTestId('mindzie-project-name-input')
    .fill('Loan approvals 2026');
  await mindzie.acceptDialog('Save');
  await expect(mindzie.dialog).toHaveCount(0);
  await expect(option).toHaveText(/Loan approvals 2026/);
  await expect(select).toHaveValue(`${project.tenantId}/${project.projectId}`);

  // A notebook's page: its name, its id on hover and to copy.
  await mindzie.selectNotebook('Weekly throughput');
  const name = mindzie.byTestId('mindzie-notebook-name');
  await expect(name).toHaveAttribute('title', /Notebook [0-9a-f-]{36}/);
  await expect(mindzie.byTestId('mindzie-copy-notebook-id')).toBeVisible();
});

test('a new project opened with a name shows by that name', async ({
  page
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  await mindzie.open();
  await mindzie.byTestId('mindzie-add-project').click();
  await mindzie.dialog
    .getByTestId('mindzie-tenant-input')
    .fill(project.tenantId);
  await mindzie.dialog
    .getByTestId('mindzie-project-input')
    .fill(project.projectId);
  await mindzie.dialog
    .getByTestId('mindzie-new-project-name')
    .fill('Claims handling');
  await mindzie.acceptDialog('Open');
  const select = mindzie.byTestId('mindzie-project-select');
  await expect(select).toHaveValue(`${project.tenantId}/${project.projectId}`);
  await expect(
    select.locator(`option[value="${project.tenantId}/${project.projectId}"]`)
  ).toHaveText(/Claims handling/);
});

test('a notebook row keeps its facts apart: kernel, cells, last run and enrichment', async ({
  page,
  request
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  await createNotebookThroughApi(request, project, {
    notebookName: 'Enriching',
    integration: { enrichmentMode: true },
    initialCells: [{ cellType: 'code', content: 'x = 1' }]
  });
  await mindzie.open();
  await mindzie.openProject(project);
  const facts = mindzie.notebookItems
    .first()
    .getByTestId('mindzie-notebook-facts');
  await expect(facts.locator('.jp-mindzie-Fact')).toHaveCount(4);
  await expect(facts.locator('.jp-mindzie-Fact').nth(2)).toHaveText(
    'never run'
  );
  await expect(facts.locator('.jp-mindzie-Fact').nth(3)).toHaveText(
    'enrichment'
  );
  // Each fact is its own box, with a separator drawn between them.
  const separator = await facts
    .locator('.jp-mindzie-Fact')
    .nth(3)
    .evaluate(node => getComputedStyle(node, '::before').content);
  expect(separator).toContain('·');
});

test.describe('in Berlin', () => {
  test.use({ timezoneId: 'Europe/Berlin' });

  test('a first schedule takes the browser’s zone; it is described, listed and saved in the zone chosen', async ({
    page,
    request
  }) => {
    const mindzie = new MindziePanelHelper(page);
    const project = newProject();
    const notebook = await createNotebookThroughApi(request, project, {
      notebookName: 'Morning report'
    });
    await mindzie.open();
    await mindzie.openProject(project);
    await mindzie.selectNotebook('Morning report');
    await mindzie.byTestId('mindzie-tab-settings').click();

    const zone = mindzie.byTestId('mindzie-settings-timezone');
    await expect(zone).toHaveValue('Europe/Berlin');
    await mindzie.byTestId('mindzie-settings-auto').check();
    await mindzie.byTestId('mindzie-settings-cron').fill('30 7 * * *');
    await expect(mindzie.byTestId('mindzie-cron-description')).toHaveText(
      'At 07:30 (Europe/Berlin)'
    );
    const next = mindzie.byTestId('mindzie-cron-next').locator('li');
    await expect(next).toHaveCount(3);
    await expect(next.first()).toContainText('07:30 Europe/Berlin');

    // Another zone: the next runs follow its clock, the browser's beside them.
    await zone.selectOption('America/New_York');
    await expect(mindzie.byTestId('mindzie-cron-description')).toHaveText(
      'At 07:30 (America/New_York)'
    );
    await expect(next.first()).toContainText('07:30 America/New_York');
    await expect(next.first()).toContainText('local');
    await mindzie.byTestId('mindzie-settings-save').click();
    await expect(mindzie.byTestId('mindzie-notebook-schedule')).toContainText(
      'scheduled: At 07:30 (America/New_York)'
    );
    const saved = await (
      await request.get(
        `/api/${project.tenantId}/${project.projectId}/notebook/${notebook.notebookId}`
      )
    ).json();
    expect(saved.integration).toMatchObject({
      autoExecution: true,
      scheduleExecution: '30 7 * * *',
      scheduleTimezone: 'America/New_York'
    });
  });
});

test.describe('with the state kept on the server', () => {
  // Galata keeps JupyterLab's state in the page by default; a reload must find it again.
  test.use({ mockState: false });

  test('the run form keeps what was typed across tabs and reloads; Reset brings the defaults back', async ({
    page,
    request
  }) => {
    const mindzie = new MindziePanelHelper(page);
    const project = newProject();
    await createNotebookThroughApi(request, project, {
      notebookName: 'Remembering',
      template: 'process_mining_starter'
    });
    await mindzie.open();
    await mindzie.openProject(project);
    await mindzie.selectNotebook('Remembering');
    const topN = mindzie.byTestId('mindzie-param-top_n_bottlenecks');
    await expect(topN).toHaveValue('3');
    await topN.fill('5');
    await mindzie.byTestId('mindzie-run-stop-on-error').check();

    // History and back: still 5.
    await mindzie.byTestId('mindzie-tab-history').click();
    await mindzie.byTestId('mindzie-tab-run').click();
    await expect(topN).toHaveValue('5');
    await expect(mindzie.byTestId('mindzie-run-stop-on-error')).toBeChecked();

    // JupyterLab writes its state database to the workspace a moment later.
    await expect
      .poll(
        async () => {
          const response = await page.request.get('/lab/api/workspaces');
          return JSON.stringify(await response.json()).includes(
            'jupyter-mindzie:run-form:'
          );
        },
        { timeout: 20_000 }
      )
      .toBe(true);
    // A reload of the page: still 5 (JupyterLab's state database).
    await page.reload();
    await mindzie.open();
    await mindzie.selectNotebook('Remembering');
    await expect(topN).toHaveValue('5');
    await expect(mindzie.byTestId('mindzie-run-stop-on-error')).toBeChecked();

    await mindzie.byTestId('mindzie-reset-parameters').click();
    await expect(topN).toHaveValue('3');
  });
});

test('cells are chosen and shown by their headings; a failed cell shows the lines around the failing one', async ({
  page,
  request
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  await createNotebookThroughApi(request, project, {
    notebookName: 'Headed cells',
    initialCells: [
      { cellType: 'markdown', content: '# Loading' },
      { cellType: 'code', content: 'cases = 0' },
      { cellType: 'markdown', content: '## Rate per case' },
      {
        cellType: 'code',
        content:
          'a = 1\nb = 2\nc = 3\nrate = 10 / cases\nd = 4\ne = 5\nf = 6\ng = 7'
      },
      { cellType: 'code', content: '# Summary line\nprint(rate)' }
    ]
  });
  await mindzie.open();
  await mindzie.openProject(project);
  await mindzie.selectNotebook('Headed cells');
  await mindzie.byTestId('mindzie-run-use-range').check();
  const start = mindzie.byTestId('mindzie-range-start');
  const choices = await start.locator('option').allTextContents();
  expect(choices).toContain('1. Loading');
  expect(
    choices.filter(text => text.endsWith('. Rate per case')).length
  ).toBeGreaterThanOrEqual(2);
  expect(choices.join('\n')).not.toMatch(/cell-\d|[0-9a-f]{8}-[0-9a-f]{4}/);
  await mindzie.byTestId('mindzie-run-use-range').uncheck();

  const execution = await mindzie.run();
  await expect(execution).toHaveAttribute('data-status', /Completed|Error/, {
    timeout: 120_000
  });
  const headings = execution.getByTestId('mindzie-cell-heading');
  await expect(headings.first()).toHaveText('Loading');
  await expect(headings.nth(1)).toHaveText('Rate per case');
  const source = execution.getByTestId('mindzie-failed-cell-source').first();
  await expect(source).toHaveAttribute('data-failing-line', '4');
  await expect(source.locator('[data-failing]')).toContainText(
    'rate = 10 / cases'
  );
  await expect(source).toContainText('b = 2');
  await expect(source).toContainText('e = 5');
  await expect(source).not.toContainText('g = 7');
});

test('runs of one notebook share one tab, the run picked from a list; a new tab only when asked', async ({
  page,
  request
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  await createNotebookThroughApi(request, project, {
    notebookName: 'Quick one',
    initialCells: [{ cellType: 'code', content: 'x = 1' }]
  });
  await mindzie.open();
  await mindzie.openProject(project);
  await mindzie.selectNotebook('Quick one');
  const tabs = page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab', {
    hasText: 'Quick one'
  });

  const first = await mindzie.run();
  await expect(first).toHaveAttribute('data-status', 'Completed', {
    timeout: 120_000
  });
  const firstId = await page
    .locator(
      '.jp-mindzie-ExecutionTab:not(.lm-mod-hidden) [data-testid="mindzie-run-select"]'
    )
    .inputValue();
  const second = await mindzie.run();
  await expect(second).toHaveAttribute('data-status', 'Completed', {
    timeout: 120_000
  });
  await expect(tabs).toHaveCount(1);
  await expect(tabs.first()).toHaveText('Quick one');

  // The list has both runs; picking the first shows it in the same tab.
  const picker = page.locator(
    '.jp-mindzie-ExecutionTab:not(.lm-mod-hidden) [data-testid="mindzie-run-select"]'
  );
  await expect(picker.locator('option')).toHaveCount(2);
  expect(await picker.inputValue()).not.toBe(firstId);
  await picker.selectOption(firstId);
  await expect(picker).toHaveValue(firstId);
  await expect(tabs).toHaveCount(1);

  // Asked for: a tab of its own.
  await page
    .locator(
      '.jp-mindzie-ExecutionTab:not(.lm-mod-hidden) [data-testid="mindzie-run-new-tab"]'
    )
    .click();
  await expect(tabs).toHaveCount(2);
});
