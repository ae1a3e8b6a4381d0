/**
 * The mindzie panel end to end, in a real JupyterLab on a real server: an analyst's whole
 * path from an empty server to browsing results, plus cancel, failures and schedules.
 *
 * MINDZIE_SCREENSHOTS=1 also writes the README's screenshots into docs/screenshots/.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';
import * as path from 'path';

import {
  MindziePanelHelper,
  createNotebookThroughApi,
  demoEventLog,
  demoEventLogStats,
  newProject
} from './helpers/mindzie-panel';

const SCREENSHOTS = process.env.MINDZIE_SCREENSHOTS
  ? path.resolve(__dirname, '..', '..', 'docs', 'screenshots')
  : null;

test.use({ viewport: { width: 1400, height: 900 } });

/**
 * Whether an element is drawn in JupyterLab's warning colour (`--jp-warn-color0`).
 */
async function warnColour(target: Locator): Promise<boolean> {
  return target.evaluate(element => {
    const probe = document.createElement('span');
    probe.style.color = 'var(--jp-warn-color0)';
    document.body.appendChild(probe);
    const warn = getComputedStyle(probe).color;
    probe.remove();
    return getComputedStyle(element).color === warn;
  });
}

/**
 * Save a README screenshot (only when asked to).
 */
async function screenshot(target: Page | Locator, name: string): Promise<void> {
  if (SCREENSHOTS) {
    await target.screenshot({ path: path.join(SCREENSHOTS, name) });
  }
}

test('Lab loads, the plugin is active and the panel invites to open a project', async ({
  page
}) => {
  const active = await page.evaluate(() =>
    window.jupyterapp.isPluginActivated('jupyter-mindzie:plugin')
  );
  expect(active).toBe(true);

  const mindzie = new MindziePanelHelper(page);
  await expect(mindzie.tab).toHaveAttribute(
    'title',
    'mindzie: process-mining notebooks'
  );
  await mindzie.open();
  await expect(mindzie.serverInfo).toContainText('mindzie');
  await expect(mindzie.panel.locator('.jp-mindzie-Error')).toHaveCount(0);
  // The palette knows the commands.
  const commands = await page.evaluate(() =>
    [
      'mindzie:run-notebook',
      'mindzie:create-notebook',
      'mindzie:upload-dataset'
    ].every(id => window.jupyterapp.commands.hasCommand(id))
  );
  expect(commands).toBe(true);
});

test('upload a dataset, create the starter bound to it, run it with a parameter and browse every result', async ({
  page
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  const stats = demoEventLogStats();
  const rows = stats.rows.toLocaleString('en-US');
  await mindzie.open();

  // Pick the project: a new one, opened by its ids.
  await mindzie.openProject(project);
  await expect(mindzie.byTestId('mindzie-notebooks-empty')).toBeVisible();

  // Upload the demo event log as a dataset.
  await mindzie.uploadDataset(demoEventLog(), 'Loan event log');
  await expect(mindzie.datasetItems).toHaveCount(1);
  await expect(mindzie.datasetItems.first()).toContainText('Loan event log');
  await expect(mindzie.datasetItems.first()).toContainText(`${rows} rows`);

  // Create the starter notebook bound to it.
  await mindzie.createNotebook({
    name: 'Loan analysis',
    dataset: 'Loan event log'
  });
  await expect(mindzie.byTestId('mindzie-notebook-dataset')).toContainText(
    'Loan event log'
  );

  // It is a real file: open it in Lab's notebook editor.
  await mindzie.byTestId('mindzie-open-in-lab').click();
  await expect(
    page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current')
  ).toContainText('Loan-analysis.ipynb');
  await expect(
    page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell').first()
  ).toContainText('Process mining starter');

  // The run form lists the parameters cell's names, types and defaults.
  const topN = mindzie.byTestId('mindzie-param-top_n_bottlenecks');
  await expect(topN).toHaveValue('3');
  await expect(mindzie.byTestId('mindzie-param-case_column')).toHaveValue(
    'case_id'
  );
  await topN.fill('2');
  await expect(mindzie.panel.locator('.jp-mindzie-ParamChanged')).toHaveCount(
    1
  );
  await screenshot(page, 'run-form.png');

  // Run, and watch the progress advance on its own.
  await mindzie.recordProgress();
  const execution = await mindzie.run();
  if (SCREENSHOTS) {
    // Caught mid-run for the README (runs are quick: only when asked for screenshots).
    await page.waitForFunction(
      () => {
        const bar = document.querySelector(
          '[data-testid="mindzie-progress"] .jp-mindzie-Progress'
        );
        const value = Number(bar?.getAttribute('data-percent'));
        return value >= 20 && value < 100;
      },
      undefined,
      { polling: 'raf', timeout: 60_000 }
    );
    await screenshot(page, 'running.png');
  }
  await expect(
    execution.getByTestId('mindzie-execution-parameters')
  ).toContainText('top_n_bottlenecks=2');
  await expect(execution).toHaveAttribute('data-status', 'Completed', {
    timeout: 120_000
  });
  await expect(execution.getByTestId('mindzie-progress-text')).toHaveText(
    /Completed · (\d+) of \1 cells · \1 succeeded, 0 failed/
  );
  const seen = await mindzie.recordedProgress();
  expect(
    seen.some(p => p > 0 && p < 100),
    `percentages seen: ${seen}`
  ).toBe(true);
  expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  expect(seen[seen.length - 1]).toBe(100);
  const cellCount = await execution.getByTestId('mindzie-cell-row').count();
  expect(cellCount).toBeGreaterThan(5);
  await expect(
    execution.locator('[data-testid="mindzie-cell-row"][data-status="Success"]')
  ).toHaveCount(cellCount);

  // The plots, rendered by Lab's image renderer: the process map and the cycle-time figure.
  const plots = execution.locator(
    '[data-testid="mindzie-output"][data-content-type="image/png"]'
  );
  await expect(plots).toHaveCount(2);
  const plot = plots.filter({ hasText: 'Cycle time' });
  await expect(plot.locator('img')).toBeVisible();

  // The metrics, in Lab's JSON viewer: the parameter changed the result.
  const metrics = execution.locator(
    '[data-testid="mindzie-output"][data-content-type="application/json"]'
  );
  await expect(metrics).toContainText('Process mining metrics');
  await expect(metrics).toContainText('caseCount');
  await expect(metrics).toContainText(String(stats.cases));
  await expect(metrics).toContainText('bottleneckActivities');
  await expect(metrics).toContainText('2 items');

  // The enriched dataset: new columns and a preview table.
  const enriched = execution
    .getByTestId('mindzie-enriched-dataset')
    .filter({ hasText: 'event_log_enriched' });
  await expect(enriched).toContainText(`${rows} records`);
  const table = enriched.getByTestId('mindzie-enriched-table');
  await expect(
    table.locator('th.jp-mod-new', { hasText: 'waiting_time_hours' })
  ).toHaveCount(1);
  await expect(table.locator('tbody tr')).toHaveCount(50);
  const csv = page.waitForEvent('download');
  await enriched.getByTestId('mindzie-download-csv').click();
  expect((await csv).suggestedFilename()).toBe('event_log_enriched.csv');

  // The model, with its accuracy and features (scikit-learn is a test dependency).
  const model = execution.getByTestId('mindzie-model');
  await expect(model).toContainText('slow_case_predictor');
  await expect(model.getByTestId('mindzie-model-metrics')).toContainText(
    'accuracy'
  );
  await expect(model.getByTestId('mindzie-model-metrics')).toContainText(
    'features'
  );

  // HTML tables of the analysis, sanitized by Lab.
  await expect(
    execution
      .locator('[data-testid="mindzie-output"][data-content-type="text/html"]')
      .filter({ hasText: 'mean_cycle_time_hours' })
  ).toHaveCount(1);

  // Resources of the run.
  await expect(execution.getByTestId('mindzie-resources')).toContainText(
    'Peak memory'
  );
  await screenshot(page, 'results.png');
  await page.theme.setDarkTheme();
  await screenshot(page, 'results-dark.png');
  await page.theme.setLightTheme();
  await metrics.evaluate(node => node.scrollIntoView({ block: 'start' }));
  await screenshot(page, 'results-metrics.png');
  await model.evaluate(node => node.scrollIntoView({ block: 'end' }));
  await screenshot(page, 'results-data.png');

  // Every artifact as one zip.
  const zip = page.waitForEvent('download');
  await execution.getByTestId('mindzie-download-zip').click();
  expect((await zip).suggestedFilename()).toMatch(/^execution-.*\.zip$/);

  // The HTML report in a Lab tab, sandboxed.
  await execution.getByTestId('mindzie-open-report').click();
  const report = page.locator('[data-testid="mindzie-report"]:visible');
  await expect(report).toHaveAttribute('data-state', 'ok');
  await expect(report.locator('iframe')).toHaveAttribute('sandbox', '');
  await expect(
    page
      .frameLocator('[data-testid="mindzie-report"]:visible iframe')
      .locator('body')
  ).toContainText('Process mining starter');

  // The history has the run with its duration and resources.
  await mindzie.byTestId('mindzie-tab-history').click();
  const row = mindzie.byTestId('mindzie-history-item');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-status', 'Completed');
  await expect(row.getByTestId('mindzie-history-stats')).toContainText('peak');
  await expect(row).toContainText('top_n_bottlenecks=2');

  // The list shows the notebook as Ready with its badge.
  await mindzie.byTestId('mindzie-back').click();
  await expect(mindzie.notebookItems).toHaveCount(1);
  await expect(mindzie.notebookItems.first()).toHaveAttribute(
    'data-status',
    'Ready'
  );
  await screenshot(mindzie.panel, 'panel.png');
  await page.theme.setDarkTheme();
  await screenshot(mindzie.panel, 'panel-dark.png');
});

test('Run with mindzie from the notebook toolbar; a failed cell says what failed and leads to it', async ({
  page,
  request
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  const notebook = await createNotebookThroughApi(request, project, {
    notebookName: 'Broken analysis',
    initialCells: [
      { cellType: 'markdown', content: '# Broken analysis' },
      { cellType: 'code', content: 'cases = 0' },
      { cellType: 'code', content: '# one bad division\nrate = 10 / cases' },
      { cellType: 'code', content: "print('still running')" }
    ]
  });
  const failing = notebook.cells.filter(c => c.cellType === 'code')[1].cellId;

  await mindzie.open();
  await mindzie.pickProject(project);
  await expect(mindzie.notebookItems).toHaveCount(1);

  // Open the notebook in Lab and use its toolbar button.
  await mindzie.notebookItems.first().hover();
  await mindzie.notebookItems
    .first()
    .getByTestId('mindzie-open-notebook')
    .click();
  const toolbarButton = page.locator(
    '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar [data-command="mindzie:run-notebook"]'
  );
  await expect(toolbarButton).toContainText('Run with mindzie');
  await toolbarButton.click();
  await expect(mindzie.byTestId('mindzie-notebook-name')).toHaveText(
    'Broken analysis'
  );
  await expect(mindzie.byTestId('mindzie-run-form')).toBeVisible();

  const execution = await mindzie.run();
  await expect(execution).toHaveAttribute('data-status', 'Completed', {
    timeout: 60_000
  });
  await expect(execution.getByTestId('mindzie-progress-text')).toContainText(
    '1 failed'
  );
  const failed = execution.getByTestId('mindzie-failed-cell');
  await expect(failed).toHaveCount(1);
  await expect(failed).toHaveAttribute('data-cell-id', failing);
  await expect(failed.getByTestId('mindzie-failed-cell-error')).toHaveText(
    'ZeroDivisionError: division by zero'
  );
  await expect(failed).toContainText('rate = 10 / cases');
  await expect(
    execution.locator(
      `[data-testid="mindzie-cell-row"][data-cell-id="${failing}"]`
    )
  ).toHaveAttribute('data-status', 'Error');
  // stopOnError is off: the next cell still ran.
  await expect(
    execution.locator('[data-testid="mindzie-cell-row"][data-status="Success"]')
  ).toHaveCount(3);
  // The run ended Completed (the API's status), but it does not look like a success.
  const outcome = execution.getByTestId('mindzie-completed-with-failures');
  await expect(outcome).toContainText(/^Completed · 1 of \d+ cells failed/);
  expect(await warnColour(outcome.locator('.jp-mindzie-Badge'))).toBe(true);
  await screenshot(page, 'failed-cell.png');

  // "Go to cell" selects the failing cell in the notebook editor.
  await failed.getByTestId('mindzie-go-to-cell').click();
  await expect
    .poll(() =>
      page.evaluate(() => {
        const widget = window.jupyterapp.shell.currentWidget as any;
        return widget?.content?.activeCell?.model?.id ?? null;
      })
    )
    .toBe(failing);

  // History says the same, and its link selects the first failure in the editor.
  await page.evaluate(() => {
    const widget = window.jupyterapp.shell.currentWidget as any;
    widget.content.activeCellIndex = 0;
  });
  await mindzie.open();
  await mindzie.byTestId('mindzie-tab-history').click();
  const row = mindzie.byTestId('mindzie-history-item');
  await expect(row).toHaveAttribute('data-status', 'Completed');
  const rowOutcome = row.getByTestId('mindzie-completed-with-failures');
  await expect(rowOutcome).toContainText(/^Completed · 1 of \d+ cells failed/);
  expect(await warnColour(rowOutcome.locator('.jp-mindzie-Badge'))).toBe(true);
  await row.getByTestId('mindzie-first-failure').click();
  await expect
    .poll(() =>
      page.evaluate(() => {
        const widget = window.jupyterapp.shell.currentWidget as any;
        return widget?.content?.activeCell?.model?.id ?? null;
      })
    )
    .toBe(failing);
});

test('cancel a long run', async ({ page, request }) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  await createNotebookThroughApi(request, project, {
    notebookName: 'Long run',
    initialCells: [
      {
        cellType: 'code',
        content: 'import time\nfor second in range(300):\n    time.sleep(1)'
      }
    ]
  });
  // Without the server's events (their socket refused), the panel waits on the server for
  // news of the run instead of polling it.
  await page.routeWebSocket(/\/api\/events\/subscribe/, socket => socket.close());
  await page.reload();
  await mindzie.open();
  await mindzie.pickProject(project);
  await mindzie.selectNotebook('Long run');
  const waitingRead = page.waitForRequest(
    r =>
      r.url().includes('/execution/') &&
      (r.headers()['prefer'] ?? '').startsWith('wait=') &&
      Boolean(r.headers()['if-none-match']),
    { timeout: 60_000 }
  );
  const execution = await mindzie.run();
  await waitingRead;
  await expect(execution).toHaveAttribute('data-phase', 'Executing', {
    timeout: 60_000
  });
  await expect(
    execution.locator('[data-testid="mindzie-cell-row"][data-status="Running"]')
  ).toHaveCount(1);
  // The panel follows the run too.
  await expect(mindzie.byTestId('mindzie-running-banner')).toBeVisible();

  await execution.getByTestId('mindzie-cancel').click();
  await expect(
    mindzie.dialog.locator('.jp-Dialog-button.jp-mod-reject')
  ).toHaveText('Keep running');
  await expect(
    mindzie.dialog.locator('.jp-Dialog-button.jp-mod-warn')
  ).toHaveText('Stop run');
  await mindzie.dialog.locator('.jp-Dialog-button.jp-mod-warn').click();
  await expect(execution).toHaveAttribute('data-status', 'Cancelled', {
    timeout: 30_000
  });
  // The interrupted cell counts as cancelled, not failed.
  await expect(execution.getByTestId('mindzie-progress-text')).toContainText(
    '0 succeeded, 0 failed, 1 cancelled'
  );
  await expect(
    execution.getByTestId('mindzie-execution-cancelled')
  ).toBeVisible();
  await expect(execution.getByTestId('mindzie-cancel')).toHaveCount(0);
  await expect(mindzie.byTestId('mindzie-running-banner')).toHaveCount(0);
});

test('settings: a bad cron is refused before saving, a good one is described and saved', async ({
  page,
  request
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  await createNotebookThroughApi(request, project, { notebookName: 'Nightly' });
  await mindzie.open();
  await mindzie.pickProject(project);
  await mindzie.selectNotebook('Nightly');
  await mindzie.byTestId('mindzie-tab-settings').click();

  const cron = mindzie.byTestId('mindzie-settings-cron');
  const save = mindzie.byTestId('mindzie-settings-save');
  await mindzie.byTestId('mindzie-settings-auto').check();
  await cron.fill('61 * * * *');
  await expect(mindzie.panel.locator('.jp-mindzie-Field-error')).toContainText(
    'minute'
  );
  await expect(save).toBeDisabled();
  await cron.fill('0 6 * *');
  await expect(mindzie.panel.locator('.jp-mindzie-Field-error')).toContainText(
    '5 fields'
  );
  await expect(save).toBeDisabled();

  await cron.fill('0 6 * * 1-5');
  await expect(mindzie.byTestId('mindzie-cron-description')).toContainText(
    'At 06:00, Monday through Friday'
  );
  await expect(mindzie.byTestId('mindzie-cron-next').locator('li')).toHaveCount(
    3
  );
  await expect(save).toBeEnabled();
  await mindzie.byTestId('mindzie-cron-next').scrollIntoViewIfNeeded();
  await screenshot(mindzie.panel, 'settings.png');
  await save.click();
  await expect(mindzie.byTestId('mindzie-notebook-header')).toContainText(
    /scheduled: At 06:00, Monday through Friday \(.+\)/
  );
  const saved = await request.get(
    `/api/${project.tenantId}/${project.projectId}/notebooks`
  );
  const id = (await saved.json()).notebooks[0].notebookId;
  const notebook = await (
    await request.get(
      `/api/${project.tenantId}/${project.projectId}/notebook/${id}`
    )
  ).json();
  expect(notebook.integration).toMatchObject({
    autoExecution: true,
    scheduleExecution: '0 6 * * 1-5'
  });
});

test('a failing request shows the server’s message', async ({ page }) => {
  const mindzie = new MindziePanelHelper(page);
  await mindzie.open();
  await mindzie.openProject(newProject());
  // A file that is no CSV: the server's problem is shown in the dialog, which stays open.
  await mindzie.byTestId('mindzie-upload-dataset').click();
  await mindzie.dialog
    .getByTestId('mindzie-upload-dataset-file')
    .setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('')
    });
  await mindzie.acceptDialog('Upload');
  await expect(mindzie.dialog.locator('.jp-mindzie-Error')).toContainText(
    'is empty'
  );
  await expect(mindzie.dialog.locator('.jp-mindzie-Error-title')).toContainText(
    '400'
  );
  await mindzie.dialog.locator('.jp-Dialog-button.jp-mod-reject').click();
  await expect(mindzie.datasetItems).toHaveCount(0);
});
