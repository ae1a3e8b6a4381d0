/**
 * The mindzie plugin loads in JupyterLab and its panel talks to the server extension.
 */
import { expect, test } from '@jupyterlab/galata';

import { MindziePanelHelper } from './helpers/mindzie-panel';

test('Lab loads and the mindzie plugin is active', async ({ page }, testInfo) => {
  const active = await page.evaluate(() =>
    window.jupyterapp.isPluginActivated('jupyter-mindzie:plugin')
  );
  expect(active).toBe(true);

  const mindzie = new MindziePanelHelper(page);
  await expect(mindzie.tab).toHaveAttribute('title', 'mindzie');
  await mindzie.open();

  // Only a real answer of GET api/mindzie/info renders this block.
  await expect(mindzie.serverInfo).toContainText('mindzie');
  await expect(mindzie.error).toHaveCount(0);

  await mindzie.panel.screenshot({ path: testInfo.outputPath('mindzie-panel.png') });
  await page.screenshot({ path: testInfo.outputPath('lab.png') });
});
