/**
 * Page object for the mindzie side panel, its dialogs and its execution tabs.
 */
import { expect } from '@jupyterlab/galata';
import type { APIRequestContext, Locator, Page } from '@playwright/test';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * A fresh tenant/project pair, so tests never see each other's data.
 */
export function newProject(): { tenantId: string; projectId: string } {
  const guid = () =>
    'xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx'.replace(/x/g, () =>
      Math.floor(Math.random() * 16).toString(16)
    );
  return { tenantId: guid(), projectId: guid() };
}

/**
 * The demo event log as a CSV file, written by the server package itself.
 */
export function demoEventLog(): string {
  const target = path.join(os.tmpdir(), `mindzie-demo-event-log-${process.pid}.csv`);
  if (!fs.existsSync(target)) {
    const venv = path.resolve(__dirname, '..', '..', '..', '.venv', 'bin', 'python');
    const python = fs.existsSync(venv) ? venv : 'python3';
    execFileSync(python, [
      '-c',
      'import sys, pathlib; from jupyter_mindzie.demo import write_demo_event_log; ' +
        'write_demo_event_log(pathlib.Path(sys.argv[1]))',
      target
    ]);
  }
  return target;
}

/**
 * Rows and distinct cases of the demo event log, as the panel should report them.
 */
export function demoEventLogStats(): { rows: number; cases: number } {
  const lines = fs
    .readFileSync(demoEventLog(), 'utf-8')
    .split(/\r?\n/)
    .filter(line => line.trim());
  const cases = new Set(lines.slice(1).map(line => line.split(',')[0]));
  return { rows: lines.length - 1, cases: cases.size };
}

/**
 * Create a notebook through the API (setup only, for what the issue does not ask the UI for).
 */
export async function createNotebookThroughApi(
  request: APIRequestContext,
  project: { tenantId: string; projectId: string },
  body: Record<string, unknown>
): Promise<{ notebookId: string; path: string; cells: Array<{ cellId: string; cellType: string }> }> {
  const response = await request.post(
    `/api/${project.tenantId}/${project.projectId}/notebook`,
    { data: body }
  );
  expect(response.status(), await response.text()).toBe(201);
  return response.json();
}

/**
 * axe-core's serious and critical violations under `selector` (axe-core injected into Lab).
 */
export async function axeViolations(page: Page, selector: string): Promise<string[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate(async target => {
    const axe = (window as any).axe;
    const result = await axe.run(target, { resultTypes: ['violations'] });
    return result.violations
      .filter((v: any) => v.impact === 'serious' || v.impact === 'critical')
      .map(
        (v: any) =>
          `${v.id} (${v.impact}): ${v.nodes
            .slice(0, 3)
            .map((n: any) => n.target.join(' '))
            .join(', ')}`
      );
  }, selector);
}

export class MindziePanelHelper {
  static readonly ID = 'jp-mindzie-panel';

  constructor(readonly page: Page) {}

  /**
   * The panel's tab in the left sidebar.
   */
  get tab(): Locator {
    return this.page.locator(
      `.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="${MindziePanelHelper.ID}"]`
    );
  }

  get panel(): Locator {
    return this.page.locator(`#${MindziePanelHelper.ID}`);
  }

  byTestId(id: string): Locator {
    return this.panel.getByTestId(id);
  }

  /**
   * The server info footer, once the server answered.
   */
  get serverInfo(): Locator {
    return this.panel.locator('.jp-mindzie-ServerInfo[data-status="ok"]');
  }

  get dialog(): Locator {
    return this.page.locator('.jp-Dialog');
  }

  get notebookItems(): Locator {
    return this.byTestId('mindzie-notebook-item');
  }

  get datasetItems(): Locator {
    return this.byTestId('mindzie-dataset-item');
  }

  /**
   * The execution tab's content (the current one).
   */
  get execution(): Locator {
    return this.page.locator('.jp-mindzie-ExecutionTab:not(.lm-mod-hidden) [data-testid="mindzie-execution"]');
  }

  /**
   * Open the panel by clicking its sidebar tab.
   */
  async open(): Promise<void> {
    if (!(await this.panel.isVisible())) {
      await this.tab.click();
    }
    await this.panel.waitFor({ state: 'visible' });
    await expect(this.serverInfo).toBeVisible();
  }

  /**
   * Open a project by its ids through the "open another project" dialog.
   */
  async openProject(project: { tenantId: string; projectId: string }): Promise<void> {
    await this.byTestId('mindzie-add-project').click();
    await this.dialog.getByTestId('mindzie-tenant-input').fill(project.tenantId);
    await this.dialog.getByTestId('mindzie-project-input').fill(project.projectId);
    await this.acceptDialog('Open');
    await expect(this.byTestId('mindzie-project-select')).toHaveValue(
      `${project.tenantId}/${project.projectId}`
    );
  }

  /**
   * Pick a project the server lists, in the project select.
   */
  async pickProject(project: { tenantId: string; projectId: string }): Promise<void> {
    const select = this.byTestId('mindzie-project-select');
    const value = `${project.tenantId}/${project.projectId}`;
    await expect(select.locator(`option[value="${value}"]`)).toHaveCount(1);
    await select.selectOption(value);
    await expect(select).toHaveValue(value);
  }

  async acceptDialog(label: string): Promise<void> {
    await this.dialog.locator('.jp-Dialog-button.jp-mod-accept', { hasText: label }).click();
  }

  async uploadDataset(file: string, name: string): Promise<void> {
    await this.byTestId('mindzie-upload-dataset').click();
    await this.dialog.getByTestId('mindzie-upload-dataset-file').setInputFiles(file);
    await this.dialog.getByTestId('mindzie-upload-dataset-name').fill(name);
    await this.acceptDialog('Upload');
    await expect(this.dialog).toHaveCount(0);
  }

  /**
   * Create a notebook through the "New notebook" dialog; its page opens.
   */
  async createNotebook(options: {
    name: string;
    template?: 'Process mining starter' | 'Blank';
    dataset?: string;
  }): Promise<void> {
    await this.byTestId('mindzie-create-notebook').click();
    await this.dialog.getByTestId('mindzie-notebook-name').fill(options.name);
    await this.dialog
      .getByTestId('mindzie-notebook-template')
      .selectOption({ label: options.template ?? 'Process mining starter' });
    if (options.dataset) {
      const select = this.dialog.getByTestId('mindzie-notebook-dataset');
      const option = select.locator('option', { hasText: options.dataset });
      await select.selectOption((await option.getAttribute('value'))!);
    }
    await this.acceptDialog('Create');
    await expect(this.dialog).toHaveCount(0);
    await expect(this.byTestId('mindzie-notebook-name')).toHaveText(options.name);
  }

  /**
   * Show a notebook's page in the panel.
   */
  async selectNotebook(name: string): Promise<void> {
    if (await this.byTestId('mindzie-back').isVisible()) {
      await this.byTestId('mindzie-back').click();
    }
    await this.notebookItems.filter({ hasText: name }).click();
    await expect(this.byTestId('mindzie-notebook-name')).toHaveText(name);
  }

  /**
   * Click Run on the notebook's page and wait for its execution tab.
   */
  async run(): Promise<Locator> {
    await this.byTestId('mindzie-tab-run').click();
    await this.byTestId('mindzie-run-submit').click();
    await expect(this.execution).toBeVisible();
    return this.execution;
  }

  /**
   * Record every percentage the progress bar shows from now on (it may change faster than a
   * test can look).
   */
  async recordProgress(): Promise<void> {
    await this.page.evaluate(() => {
      const seen: number[] = [];
      (window as any).__mindzieProgress = seen;
      const read = () => {
        const bar = document.querySelector(
          '.jp-mindzie-ExecutionTab:not(.lm-mod-hidden) [data-testid="mindzie-progress"] .jp-mindzie-Progress'
        );
        const value = bar ? Number(bar.getAttribute('data-percent')) : NaN;
        if (!isNaN(value) && seen[seen.length - 1] !== value) {
          seen.push(value);
        }
      };
      new MutationObserver(read).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        attributeFilter: ['data-percent']
      });
    });
  }

  async recordedProgress(): Promise<number[]> {
    return this.page.evaluate(() => (window as any).__mindzieProgress ?? []);
  }
}
