/**
 * Runs followed by the server's events and told through JupyterLab's notifications: no
 * waiting request while the events arrive, a notification from in progress to the run's end
 * with "Open results" (even with the panel and the run's tab closed), and a setting that
 * turns the notifications off.
 */
import { expect, galata, test } from '@jupyterlab/galata';
import type { Page, Request } from '@playwright/test';

import {
  MindziePanelHelper,
  createNotebookThroughApi,
  newProject
} from './helpers/mindzie-panel';

test.use({ viewport: { width: 1400, height: 900 } });

/**
 * Every status read that asked the server to wait for news (`Prefer: wait`), from now on.
 */
function waitingReads(page: Page): Request[] {
  const seen: Request[] = [];
  page.on('request', request => {
    if (
      request.url().includes('/execution/') &&
      (request.headers()['prefer'] ?? '').startsWith('wait=')
    ) {
      seen.push(request);
    }
  });
  return seen;
}

function toast(page: Page, text: string) {
  return page.locator('.Toastify__toast').filter({ hasText: text });
}

const SLOW_CELLS = [
  { cellType: 'code', content: 'import time\ntime.sleep(4)' },
  { cellType: 'code', content: "print('done')" }
];

test('a run started from the panel is notified to its end, followed by events; Open results opens it after the panel and its tab were closed', async ({
  page,
  request
}) => {
  const waiting = waitingReads(page);
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  await createNotebookThroughApi(request, project, {
    notebookName: 'Told by events',
    initialCells: SLOW_CELLS
  });
  await mindzie.open();
  await mindzie.pickProject(project);
  await mindzie.selectNotebook('Told by events');
  const execution = await mindzie.run();
  const inProgress = toast(page, 'Running “Told by events”…');
  await expect(inProgress).toBeVisible({ timeout: 30_000 });
  await expect(inProgress).toHaveClass(/jp-Notification-Toast-in-progress/);
  await expect(
    inProgress.getByRole('button', { name: 'Open results' })
  ).toBeVisible();
  // The run view moves on as the server's events tell it to.
  await expect(execution).toHaveAttribute('data-phase', 'Executing', {
    timeout: 60_000
  });

  // Close the run's tab and the panel before the run ends.
  // The run's tab (its notebook's run tab, one per notebook).
  const tabId = await page.evaluate(() => {
    const widget = window.jupyterapp.shell.currentWidget;
    const id = widget?.id ?? '';
    widget?.close();
    return id;
  });
  expect(tabId).toMatch(/^jp-mindzie-(runs|execution)-[0-9a-f-]{36}$/);
  await expect(mindzie.execution).toHaveCount(0);
  await mindzie.tab.click();
  await expect(mindzie.panel).toBeHidden();

  const done = toast(page, '“Told by events” completed.');
  await expect(done).toBeVisible({ timeout: 60_000 });
  await expect(done).toHaveClass(/Toastify__toast--success/);
  await done.getByRole('button', { name: 'Open results' }).click();
  await expect(mindzie.execution).toBeVisible();
  await expect(mindzie.execution).toHaveAttribute('data-status', 'Completed', {
    timeout: 30_000
  });
  await expect(page.locator(`.lm-TabBar-tab[data-id="${tabId}"]`)).toHaveCount(
    1
  );
  expect(waiting.map(r => r.url())).toEqual([]);
});

test.describe('with notifications turned off', () => {
  test.use({
    mockSettings: {
      ...galata.DEFAULT_SETTINGS,
      'jupyter-mindzie:plugin': { notifyRuns: false }
    }
  });

  test('a run shows no notification, and its view follows it by events alone', async ({
    page,
    request
  }) => {
    const waiting = waitingReads(page);
    const mindzie = new MindziePanelHelper(page);
    const project = newProject();
    await createNotebookThroughApi(request, project, {
      notebookName: 'Quiet run',
      initialCells: SLOW_CELLS
    });
    await mindzie.open();
    await mindzie.pickProject(project);
    await mindzie.selectNotebook('Quiet run');
    const execution = await mindzie.run();
    await expect(execution).toHaveAttribute('data-phase', 'Executing', {
      timeout: 60_000
    });
    await expect(execution).toHaveAttribute('data-status', 'Completed', {
      timeout: 60_000
    });
    await expect(
      execution
        .locator('[data-testid="mindzie-cell-row"][data-status="Success"]')
        .last()
    ).toBeVisible();
    await expect(page.locator('.Toastify__toast')).toHaveCount(0);
    expect(waiting.map(r => r.url())).toEqual([]);
  });
});
