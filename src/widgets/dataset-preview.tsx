/**
 * A dataset's first rows as a small table (from the server's preview, which reads only
 * those rows), and its download as a file (a CSV with a UTF-8 BOM, which Excel reads as UTF-8).
 */
import { Notification } from '@jupyterlab/apputils';
import * as React from 'react';

import { downloadBlob } from '../download';
import { formatCount, formatLocale } from '../format';
import { errorMessage } from '../request';
import {
  IDataset,
  IDatasetPreview,
  IMindzieService,
  IProjectRef
} from '../tokens';
import { ErrorBox, Spinner } from './common';

const PREVIEW_ROWS = 10;

export function DatasetPreview(props: {
  service: IMindzieService;
  project: IProjectRef;
  dataset: IDataset;
}): JSX.Element {
  const { service, project, dataset } = props;
  const { trans } = formatLocale();
  const [preview, setPreview] = React.useState<IDatasetPreview | null>(null);
  const [error, setError] = React.useState<unknown>(null);
  React.useEffect(() => {
    let disposed = false;
    service
      .previewDataset(project, dataset.datasetId, PREVIEW_ROWS)
      .then(answer => !disposed && setPreview(answer))
      .catch(reason => !disposed && setError(reason));
    return () => {
      disposed = true;
    };
  }, [dataset.datasetId]);
  if (error) {
    return (
      <ErrorBox
        error={error}
        compact
        title={trans.__('Could not load the preview')}
      />
    );
  }
  if (!preview) {
    return <Spinner label={trans.__('Loading the preview…')} />;
  }
  const newColumns = new Set(dataset.newColumns ?? []);
  return (
    <div data-testid="mindzie-dataset-preview">
      <div className="jp-mindzie-TableWrap jp-RenderedHTMLCommon">
        <table className="jp-mindzie-Table">
          <thead>
            <tr>
              {preview.columns.map((column, index) => (
                <th
                  key={index}
                  className={newColumns.has(column.name) ? 'jp-mod-new' : ''}
                  title={trans.__('Type: %1', column.type)}
                >
                  {column.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row, index) => (
              <tr key={index}>
                {row.map((value, column) => (
                  <td key={column}>{value === null ? '' : String(value)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="jp-mindzie-Muted jp-mindzie-TableNote">
        {preview.truncated
          ? trans._n(
              'First %2 of %3 row.',
              'First %2 of %3 rows.',
              preview.recordCount,
              formatCount(preview.rows.length),
              formatCount(preview.recordCount)
            )
          : trans._n(
              '%2 row.',
              '%2 rows.',
              preview.recordCount,
              formatCount(preview.recordCount)
            )}
      </div>
    </div>
  );
}

/**
 * Fetch the dataset's file with the page's credentials and hand it to the browser, named
 * after the dataset; a failure is a notification that stays.
 */
export async function downloadDataset(
  service: IMindzieService,
  project: IProjectRef,
  dataset: IDataset
): Promise<void> {
  const fileName = `${dataset.name.replace(/[\\/:*?"<>|]+/g, '_')}.${dataset.format}`;
  try {
    downloadBlob(
      await service.downloadDataset(project, dataset.datasetId),
      fileName
    );
  } catch (error) {
    const { trans } = formatLocale();
    Notification.error(
      trans.__('Could not download %1: %2', fileName, errorMessage(error)),
      { autoClose: false }
    );
  }
}
