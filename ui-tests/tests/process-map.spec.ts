/**
 * The interactive process map in a notebook: a cell's output carries the bundle the
 * kernel-side helper's `show_process_map` displays, written into the .ipynb directly, so
 * this test does not depend on the Python side.
 *
 * MINDZIE_SCREENSHOTS=1 also writes docs/screenshots/process-map.png and process-map-dark.png.
 */
import { expect, test } from '@jupyterlab/galata';
import type { Locator, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';

import { MindziePanelHelper, createNotebookThroughApi, newProject } from './helpers/mindzie-panel';

const MIME = 'application/vnd.mindzie.process-map+json';
const MAP = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'data', 'loan-process-map.json'), 'utf-8')
);
const SCREENSHOTS = process.env.MINDZIE_SCREENSHOTS
  ? path.resolve(__dirname, '..', '..', 'docs', 'screenshots')
  : null;

test.use({ viewport: { width: 1200, height: 1300 } });

/**
 * A notebook whose one code cell shows the map, with the static image the helper adds.
 */
function notebookWithMap(): string {
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><text y="15">static</text></svg>';
  return JSON.stringify({
    cells: [
      { cell_type: 'markdown', id: 'title', metadata: {}, source: '# Loan applications' },
      {
        cell_type: 'code',
        id: 'map',
        execution_count: 1,
        metadata: {},
        source: 'client.show_process_map(log)',
        outputs: [
          {
            output_type: 'display_data',
            metadata: {},
            data: { [MIME]: MAP, 'image/svg+xml': svg, 'text/plain': '<process map>' }
          }
        ]
      }
    ],
    metadata: {
      kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' }
    },
    nbformat: 4,
    nbformat_minor: 5
  });
}

async function setSlider(map: Locator, filter: 'activities' | 'paths', percent: number) {
  await map
    .locator(`.jp-mindzie-ProcessMap-slider[data-filter="${filter}"] input`)
    .evaluate((input: HTMLInputElement, value) => {
      input.value = String(value);
      input.dispatchEvent(new Event('input', { bubbles: true }));
    }, percent);
}

async function openMap(page: Page, tmpPath: string): Promise<Locator> {
  const file = `${tmpPath}/process-map.ipynb`;
  await page.contents.uploadContent(notebookWithMap(), 'text', file);
  await page.notebook.openByPath(file);
  const map = page.locator('.jp-OutputArea .jp-mindzie-ProcessMap');
  await expect(map.locator('svg.jp-mindzie-ProcessMap-graph')).toBeVisible();
  return map;
}

test('the map renders in a notebook, filters with its sliders and switches to performance', async ({
  page,
  tmpPath
}) => {
  // Graphviz is bundled: laying the map out must not reach beyond this server.
  const foreign: string[] = [];
  page.on('request', request => {
    const url = new URL(request.url());
    if (/^https?:$/.test(url.protocol) && !['localhost', '127.0.0.1'].includes(url.hostname)) {
      foreign.push(request.url());
    }
  });
  const map = await openMap(page, tmpPath);
  const activities = map.locator('.jp-mindzie-ProcessMap-node[data-activity]');
  const edges = map.locator('.jp-mindzie-ProcessMap-edge');

  // Every activity and path, with the virtual start and end; the static SVG is not shown.
  await expect(activities).toHaveCount(MAP.nodes.length);
  await expect(edges).toHaveCount(MAP.edges.length);
  await expect(map.locator('.jp-mindzie-ProcessMap-start')).toHaveCount(1);
  await expect(map.locator('.jp-mindzie-ProcessMap-end')).toHaveCount(1);
  await expect(page.locator('.jp-OutputArea-output img')).toHaveCount(0);
  const bottleneck = map.locator(
    '.jp-mindzie-ProcessMap-edge[data-source="assess"][data-target="approve"] text'
  );
  await expect(bottleneck).toHaveText('40');
  await expect(map.locator('[data-activity="Check documents"] text')).toHaveText([
    'Check documents',
    '130'
  ]);
  await expect(map.locator('.jp-mindzie-ProcessMap-summary')).toHaveText(
    /100 cases · 572 events/
  );

  if (SCREENSHOTS) {
    await map.locator('[data-activity="Check documents"] text').first().hover();
    await expect(map.locator('.jp-mindzie-ProcessMap-tooltip')).toBeVisible();
    await map.screenshot({ path: path.join(SCREENSHOTS, 'process-map.png') });
    await page.mouse.move(0, 0);
  }

  // The activity slider keeps the most frequent activities: 30 % of 9 is 3.
  await setSlider(map, 'activities', 30);
  await expect(activities).toHaveCount(3);
  await expect(map.locator('[data-filter="activities"] .jp-mindzie-ProcessMap-sliderValue')).toHaveText(
    /3 of 9/
  );
  await expect(activities.locator('text').first()).toBeVisible();
  const kept = await activities.evaluateAll(nodes => nodes.map(n => (n as SVGElement).dataset.activity));
  expect(kept.sort()).toEqual(['Assess credit', 'Check documents', 'Submit application']);
  await setSlider(map, 'activities', 100);
  await expect(activities).toHaveCount(MAP.nodes.length);

  // The path slider drops rare paths but keeps a way in and out of every activity.
  await setSlider(map, 'paths', 0);
  await expect(edges).not.toHaveCount(MAP.edges.length);
  expect(await edges.count()).toBeLessThan(MAP.edges.length);
  await expect(activities).toHaveCount(MAP.nodes.length);
  await expect(map.locator('.jp-mindzie-ProcessMap-edge[data-source="check"][data-target="reject"]')).toHaveCount(0);
  await setSlider(map, 'paths', 100);
  await expect(edges).toHaveCount(MAP.edges.length);

  // Performance: waiting times on the edges, the slowest in the theme's error colour.
  await map.locator('.jp-mindzie-ProcessMap-viewButton[data-view="performance"]').click();
  await expect(map).toHaveAttribute('data-view', 'performance');
  await expect(bottleneck).toHaveText('4.0 d');
  await expect(map.locator('[data-activity="Check documents"] text')).toHaveText('Check documents');
  const stroke = (source: string, target: string) =>
    map
      .locator(`.jp-mindzie-ProcessMap-edge[data-source="${source}"][data-target="${target}"] path`)
      .evaluate(line => getComputedStyle(line).stroke);
  expect(await stroke('assess', 'approve')).not.toBe(await stroke('submit', 'check'));
  await map.locator('.jp-mindzie-ProcessMap-metric').selectOption('p90');
  await expect(bottleneck).toHaveText('7.0 d');

  // Hover details: counts and every waiting-time statistic of the path.
  await bottleneck.hover();
  const tooltip = map.locator('.jp-mindzie-ProcessMap-tooltip');
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText('Assess credit → Manager approval');
  await expect(tooltip).toContainText('Transitions40');
  await expect(tooltip).toContainText('Waiting, mean4.0 d');
  await expect(tooltip).toContainText('Waiting, median3.5 d');
  await expect(tooltip).toContainText('Waiting, 90th percentile7.0 d');
  await page.mouse.move(0, 0);
  await expect(tooltip).toBeHidden();

  expect(foreign).toEqual([]);
});

test('the map follows the dark theme', async ({ page, tmpPath }) => {
  const map = await openMap(page, tmpPath);
  const colourOf = () =>
    map
      .locator('[data-activity="Check documents"] path')
      .first()
      .evaluate(shape => getComputedStyle(shape).fill);
  const light = await colourOf();
  await page.theme.setDarkTheme();
  await expect.poll(colourOf).not.toBe(light);
  const text = await map
    .locator('[data-activity="Check documents"] text')
    .first()
    .evaluate(shape => getComputedStyle(shape).fill);
  const background = await page
    .locator('.jp-Notebook')
    .evaluate(node => getComputedStyle(node).backgroundColor);
  // Light text on a dark page: the theme's own font colour, not Graphviz's black.
  expect(text).not.toBe('rgb(0, 0, 0)');
  expect(background).not.toBe('rgb(255, 255, 255)');

  await map.locator('.jp-mindzie-ProcessMap-viewButton[data-view="performance"]').click();
  const bottleneck = map.locator(
    '.jp-mindzie-ProcessMap-edge[data-source="assess"][data-target="approve"] text'
  );
  await expect(bottleneck).toHaveText('4.0 d');
  await expect(map).toHaveAttribute('data-view', 'performance');
  if (SCREENSHOTS) {
    await bottleneck.hover();
    await expect(map.locator('.jp-mindzie-ProcessMap-tooltip')).toBeVisible();
    await map.screenshot({ path: path.join(SCREENSHOTS, 'process-map-dark.png') });
  }
  await page.theme.setLightTheme();
});

test('the process map of a run is drawn interactively in its results', async ({ page, request }) => {
  const project = newProject();
  // The cell displays the bundle as the helper does: the map, and a PNG for everything else.
  const png =
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
  const source = [
    'import json',
    'from IPython.display import display',
    `process_map = json.loads(${JSON.stringify(JSON.stringify(MAP))})`,
    `display({${JSON.stringify(MIME)}: process_map, 'image/png': ${JSON.stringify(png)}, 'text/plain': '<process map>'}, raw=True)`
  ].join('\n');
  await createNotebookThroughApi(request, project, {
    notebookName: 'Loan process map',
    initialCells: [
      { cellType: 'markdown', content: '# Loan process map' },
      { cellType: 'code', content: source }
    ]
  });
  const mindzie = new MindziePanelHelper(page);
  await mindzie.open();
  await mindzie.pickProject(project);
  await mindzie.selectNotebook('Loan process map');
  const execution = await mindzie.run();
  await expect(execution).toHaveAttribute('data-status', 'Completed', { timeout: 120_000 });

  const output = execution.locator('[data-testid="mindzie-output"][data-content-type="image/png"]');
  await expect(output).toHaveCount(1);
  const map = output.locator('.jp-mindzie-ProcessMap');
  await expect(map.locator('.jp-mindzie-ProcessMap-node[data-activity]')).toHaveCount(MAP.nodes.length);
  await expect(map.locator('.jp-mindzie-ProcessMap-edge')).toHaveCount(MAP.edges.length);
  await map.locator('.jp-mindzie-ProcessMap-viewButton[data-view="performance"]').click();
  await expect(
    map.locator('.jp-mindzie-ProcessMap-edge[data-source="assess"][data-target="approve"] text')
  ).toHaveText('4.0 d');
});
