/**
 * The dataset list's preview and download, in a real JupyterLab on a real server: a Japanese
 * event log shows its first rows in a small table and downloads as a UTF-8 CSV with a BOM.
 */
import { expect, test } from '@jupyterlab/galata';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

import { MindziePanelHelper, newProject } from './helpers/mindzie-panel';

test.use({ viewport: { width: 1400, height: 900 } });

const CSV =
  'ケースID,アクティビティ,タイムスタンプ\n' +
  Array.from(
    { length: 30 },
    (_, n) => `C${n},${n % 2 ? '審査' : '受付'},2024-01-${String((n % 28) + 1).padStart(2, '0')} 09:00:00`
  ).join('\n') +
  '\n';

test('a dataset previews its first rows and downloads as a UTF-8 CSV with a BOM', async ({
  page
}) => {
  const file = path.join(os.tmpdir(), `mindzie-japanese-log-${process.pid}.csv`);
  fs.writeFileSync(file, CSV, 'utf-8');
  const mindzie = new MindziePanelHelper(page);
  await mindzie.open();
  await mindzie.openProject(newProject());
  await mindzie.uploadDataset(file, '審査ログ');
  const item = mindzie.datasetItems.first();
  await expect(item).toContainText('審査ログ');

  // The preview: the columns, the first ten rows, and how many there are in all.
  await item.hover(); // the item's actions show on hover (and on focus)
  await item.getByTestId('mindzie-preview-dataset').click();
  const preview = item.getByTestId('mindzie-dataset-preview');
  await expect(preview.locator('th')).toHaveText(['ケースID', 'アクティビティ', 'タイムスタンプ']);
  await expect(preview.locator('tbody tr')).toHaveCount(10);
  await expect(preview.locator('tbody tr').nth(1).locator('td')).toHaveText([
    'C1',
    '審査',
    '2024-01-02 09:00:00'
  ]);
  await expect(preview).toContainText('First 10 of 30 rows.');
  await expect(preview.locator('th').first()).toHaveAttribute('title', /^Type: /);
  await item.hover();
  await item.getByTestId('mindzie-preview-dataset').click();
  await expect(preview).toHaveCount(0);

  // The download: named after the dataset, a BOM, then the data as uploaded.
  await item.hover();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    item.getByTestId('mindzie-download-dataset').click()
  ]);
  expect(download.suggestedFilename()).toBe('審査ログ.csv');
  const saved = await download.path();
  const bytes = fs.readFileSync(saved!);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  expect(bytes.subarray(3).toString('utf-8')).toBe(CSV);
});
