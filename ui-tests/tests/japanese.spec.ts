/**
 * The panel, a run and its results with JupyterLab switched to Japanese (issue 18): every text
 * of ours is Japanese, none is one of the English strings of our catalog.
 *
 * MINDZIE_SCREENSHOTS=1 also writes docs/screenshots/panel-ja.png.
 */
import { expect, galata, test } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import { MindziePanelHelper, demoEventLog, newProject } from './helpers/mindzie-panel';

const SCREENSHOTS = process.env.MINDZIE_SCREENSHOTS
  ? path.resolve(__dirname, '..', '..', 'docs', 'screenshots')
  : null;

const CATALOG = path.resolve(
  __dirname,
  '..',
  '..',
  'jupyter_mindzie',
  'locale',
  'ja_JP',
  'LC_MESSAGES',
  'jupyter_mindzie.json'
);

test.use({
  viewport: { width: 1400, height: 900 },
  mockSettings: {
    ...galata.DEFAULT_SETTINGS,
    '@jupyterlab/translation-extension:plugin': { locale: 'ja_JP' }
  },
  // Galata waits for a tab named "Launcher"; in Japanese it is ランチャー.
  waitForApplication: async ({}, use) => {
    await use(async (page: Page) => {
      await page.locator('#jupyterlab-splash').waitFor({ state: 'detached' });
      await page.getByRole('main').getByRole('tab', { name: 'ランチャー' }).waitFor();
    });
  }
});

/**
 * The English strings of our catalog whose Japanese differs, as patterns for a whole text
 * ("%1" and "%2" stand for any value).
 */
function englishStrings(): Array<{ msgid: string; pattern: RegExp }> {
  const catalog = JSON.parse(fs.readFileSync(CATALOG, 'utf-8')) as Record<string, unknown>;
  const found: Array<{ msgid: string; pattern: RegExp }> = [];
  for (const [key, value] of Object.entries(catalog)) {
    if (!key || !Array.isArray(value)) {
      continue;
    }
    const msgid = key.split('\u0004').pop()!;
    const japanese = String(value[0]);
    // Strings that read the same in both ("CSV", "%1 · %2") and bare placeholders say nothing.
    if (japanese === msgid || !/[A-Za-z]{3}/.test(msgid.replace(/%\d/g, ''))) {
      continue;
    }
    const escaped = msgid
      .split(/%\d/)
      .map(part => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.+');
    found.push({ msgid, pattern: new RegExp(`^${escaped}$`, 's') });
  }
  return found;
}

/**
 * The texts a person reads in `root`: text nodes, titles, labels and placeholders, leaving out
 * what the notebook and its data wrote (rendered outputs and the titles its code gave them,
 * tables, code, ids).
 */
async function textsOf(root: Locator): Promise<string[]> {
  return root.evaluate(element => {
    const skip =
      '.jp-OutputArea, .jp-RenderedHTMLCommon, .jp-mindzie-Table, .jp-mindzie-Rendered-host, ' +
      '.jp-mindzie-Rendered-svg, .jp-mindzie-OutputCard .jp-mindzie-Card-title, ' +
      'code, pre, .jp-mindzie-CellRow-id, .jp-mindzie-CellRow-source, option[value^="mindzie/"]';
    const texts = new Set<string>();
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (parent && !parent.closest(skip) && node.textContent?.trim()) {
        texts.add(node.textContent.trim());
      }
    }
    for (const el of Array.from(element.querySelectorAll('[title], [aria-label], [placeholder]'))) {
      if (el.closest(skip)) {
        continue;
      }
      for (const name of ['title', 'aria-label', 'placeholder']) {
        const value = el.getAttribute(name)?.trim();
        if (value) {
          texts.add(value);
        }
      }
    }
    return Array.from(texts);
  });
}

/**
 * The English strings of ours among `texts` (a text may hold several lines of a tooltip).
 */
function english(texts: string[]): string[] {
  const strings = englishStrings();
  expect(strings.length).toBeGreaterThan(150);
  const found: string[] = [];
  for (const text of texts) {
    const candidates = [text, ...text.split('\n').map(line => line.trim())];
    for (const { msgid, pattern } of strings) {
      if (candidates.some(candidate => pattern.test(candidate))) {
        found.push(`${JSON.stringify(text)} is ${JSON.stringify(msgid)}`);
      }
    }
  }
  return found;
}

async function accept(page: Page): Promise<void> {
  await page.locator('.jp-Dialog .jp-Dialog-button.jp-mod-accept').click();
  await expect(page.locator('.jp-Dialog')).toHaveCount(0);
}

test('the panel, a run and its results are Japanese, with none of our English strings', async ({
  page
}) => {
  const mindzie = new MindziePanelHelper(page);
  const project = newProject();
  // JupyterLab itself is Japanese (the language pack), and so is our panel.
  await expect(page.locator('.lm-MenuBar-itemLabel').first()).toHaveText(/[ぁ-んァ-ヶ一-龯]/);
  await mindzie.open();
  await expect(mindzie.tab).toHaveAttribute('title', /mindzie/);

  await mindzie.byTestId('mindzie-add-project').click();
  await mindzie.dialog.getByTestId('mindzie-tenant-input').fill(project.tenantId);
  await mindzie.dialog.getByTestId('mindzie-project-input').fill(project.projectId);
  expect(english(await textsOf(mindzie.dialog))).toEqual([]);
  await accept(page);
  await expect(mindzie.byTestId('mindzie-project-select')).toHaveValue(
    `${project.tenantId}/${project.projectId}`
  );
  expect(english(await textsOf(mindzie.panel))).toEqual([]);

  // A dataset, then the starter bound to it, both through the panel's dialogs.
  await mindzie.byTestId('mindzie-upload-dataset').click();
  await mindzie.dialog.getByTestId('mindzie-upload-dataset-file').setInputFiles(demoEventLog());
  await mindzie.dialog.getByTestId('mindzie-upload-dataset-name').fill('申請ログ');
  expect(english(await textsOf(mindzie.dialog))).toEqual([]);
  await accept(page);
  await expect(mindzie.datasetItems).toHaveCount(1);

  await mindzie.byTestId('mindzie-create-notebook').click();
  await mindzie.dialog.getByTestId('mindzie-notebook-name').fill('ローン分析');
  await mindzie.dialog.getByTestId('mindzie-notebook-template').selectOption('process_mining_starter');
  const datasetId = (await mindzie.datasetItems.first().getAttribute('data-dataset-id'))!;
  await mindzie.dialog.getByTestId('mindzie-notebook-dataset').selectOption(datasetId);
  expect(english(await textsOf(mindzie.dialog))).toEqual([]);
  await accept(page);
  await expect(mindzie.byTestId('mindzie-notebook-name')).toHaveText('ローン分析');

  // The notebook page: run form, settings and history.
  for (const tab of ['run', 'settings', 'history']) {
    await mindzie.byTestId(`mindzie-tab-${tab}`).click();
    expect(english(await textsOf(mindzie.panel)), tab).toEqual([]);
  }

  // A run, followed live, and its results.
  const execution = await mindzie.run();
  await expect(execution).toHaveAttribute('data-status', 'Completed', { timeout: 150_000 });
  await expect(execution.getByTestId('mindzie-results')).toBeVisible();
  await expect(execution.getByTestId('mindzie-progress-text')).toContainText('完了');
  await expect(execution.getByTestId('mindzie-enriched-dataset').first()).toBeVisible();
  await expect(execution.getByTestId('mindzie-enriched-table').first()).toBeVisible();
  const texts = await textsOf(execution);
  expect(english(texts)).toEqual([]);
  expect(texts.join(' ')).toMatch(/強化データセット/);
  // The panel after the run: history and the published datasets with their lineage.
  await mindzie.open();
  await mindzie.byTestId('mindzie-tab-history').click();
  await expect(mindzie.byTestId('mindzie-history-item')).toHaveCount(1);
  expect(english(await textsOf(mindzie.panel))).toEqual([]);
  await mindzie.byTestId('mindzie-back').click();
  // The run's published tables are datasets now.
  await page.locator('[data-testid="mindzie-toolbar-refresh"]').click();
  await expect(mindzie.datasetItems).toHaveCount(3);
  await expect(mindzie.byTestId('mindzie-dataset-lineage').first()).toContainText('の実行');
  expect(english(await textsOf(mindzie.panel))).toEqual([]);

  // The notebook was created in Japanese: its markdown is Japanese.
  await mindzie.notebookItems.first().hover();
  await mindzie.notebookItems.first().getByTestId('mindzie-open-notebook').click();
  await expect(
    page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-MarkdownCell h1').first()
  ).toHaveText(/プロセスマイニング/);
  await page
    .locator('.jp-mindzie-ExecutionTab')
    .first()
    .evaluate(node => {
      const id = node.closest('.lm-Widget')?.id ?? node.id;
      window.jupyterapp.shell.activateById(id);
    });
  await mindzie.open();
  if (SCREENSHOTS) {
    await page.screenshot({ path: path.join(SCREENSHOTS, 'panel-ja.png') });
  }
});
