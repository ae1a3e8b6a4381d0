/**
 * The project's datasets: upload, see their size and columns, preview, download, delete.
 */
import {
  deleteIcon,
  downloadIcon,
  fileUploadIcon,
  spreadsheetIcon,
  tableRowsIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { CommandIDs } from '../commands';
import { formatBytes, formatCount, shortId, timeAgo } from '../format';
import { IDataset } from '../tokens';
import { EmptyState, ErrorBox, IconButton, Section, Spinner } from './common';
import { DatasetPreview, downloadDataset } from './dataset-preview';
import { Named } from './named';
import { IPanelProps } from './panel';

export function DatasetList(props: IPanelProps): JSX.Element {
  const { model, commands } = props;
  const { trans } = model;
  const datasets = model.datasets;
  const [previewed, setPreviewed] = React.useState<string | null>(null);
  return (
    <Section
      title={trans.__('Datasets')}
      count={datasets.data?.length}
      testId="mindzie-datasets"
      actions={
        <>
          {datasets.loading && <Spinner />}
          <IconButton
            icon={fileUploadIcon}
            title={trans.__('Upload a dataset (CSV or Parquet)…')}
            testId="mindzie-upload-dataset"
            onClick={() => void commands.execute(CommandIDs.uploadDataset)}
          />
        </>
      }
    >
      {datasets.error ? (
        <div className="jp-mindzie-Padded">
          <ErrorBox
            error={datasets.error}
            onRetry={() => void model.refreshDatasets()}
          />
        </div>
      ) : null}
      {datasets.data && !datasets.data.length && !datasets.error ? (
        <EmptyState
          testId="mindzie-datasets-empty"
          action={
            <button
              className="jp-mod-styled jp-mindzie-Button"
              onClick={() => void commands.execute(CommandIDs.uploadDataset)}
            >
              {trans.__('Upload a dataset…')}
            </button>
          }
        >
          {trans.__(
            'No datasets yet. Upload an event log (CSV or Parquet) to bind it to notebooks.'
          )}
        </EmptyState>
      ) : null}
      {datasets.data?.length ? (
        <ul className="jp-mindzie-List" data-testid="mindzie-dataset-list">
          {datasets.data.map(dataset => (
            <li
              key={dataset.datasetId}
              className="jp-mindzie-ListItem jp-mindzie-DatasetItem"
              data-testid="mindzie-dataset-item"
              data-dataset-id={dataset.datasetId}
              title={trans.__(
                '%1\nColumns: %2\nId: %3',
                dataset.name,
                dataset.columns.join(', '),
                dataset.datasetId
              )}
            >
              <spreadsheetIcon.react
                tag="span"
                className="jp-mindzie-ListItem-icon"
              />
              <div className="jp-mindzie-ListItem-body">
                <div className="jp-mindzie-ListItem-title">
                  <Named
                    className="jp-mindzie-ListItem-name"
                    name={dataset.name}
                    id={dataset.datasetId}
                    kind={trans.__('Dataset')}
                    copyLabel={trans.__('Copy the dataset id')}
                    testId="mindzie-dataset-name"
                  />
                </div>
                {dataset.source ? (
                  <Lineage dataset={dataset} {...props} />
                ) : null}
                <div className="jp-mindzie-ListItem-meta">
                  {trans._p(
                    'dataset facts: rows, columns, format, size, age',
                    '%1 · %2 · %3 · %4 · %5',
                    trans._n(
                      '%2 row',
                      '%2 rows',
                      dataset.recordCount,
                      formatCount(dataset.recordCount)
                    ),
                    trans._n('%1 column', '%1 columns', dataset.columns.length),
                    dataset.format.toUpperCase(),
                    formatBytes(dataset.size),
                    timeAgo(dataset.dateCreated)
                  )}
                </div>
                {previewed === dataset.datasetId && model.project ? (
                  <DatasetPreview
                    service={model.service}
                    project={model.project}
                    dataset={dataset}
                  />
                ) : null}
              </div>
              <div className="jp-mindzie-ListItem-actions">
                <IconButton
                  icon={tableRowsIcon}
                  title={
                    previewed === dataset.datasetId
                      ? trans.__('Hide the preview')
                      : trans.__('Preview the first rows')
                  }
                  testId="mindzie-preview-dataset"
                  onClick={() =>
                    setPreviewed(
                      previewed === dataset.datasetId ? null : dataset.datasetId
                    )
                  }
                />
                <IconButton
                  icon={downloadIcon}
                  title={
                    dataset.format === 'csv'
                      ? trans.__('Download as CSV (UTF-8, opens in Excel)')
                      : trans.__('Download the Parquet file')
                  }
                  testId="mindzie-download-dataset"
                  onClick={() => {
                    if (model.project) {
                      void downloadDataset(
                        model.service,
                        model.project,
                        dataset
                      );
                    }
                  }}
                />
                <IconButton
                  icon={deleteIcon}
                  title={trans.__('Delete “%1”…', dataset.name)}
                  testId="mindzie-delete-dataset"
                  onClick={() =>
                    void commands.execute(CommandIDs.deleteDataset, {
                      datasetId: dataset.datasetId,
                      name: dataset.name
                    })
                  }
                />
              </div>
            </li>
          ))}
        </ul>
      ) : null}
    </Section>
  );
}

/**
 * Where a published table came from: "from run 1a2b3c4d of Loan analysis" (a link to the run),
 * its new columns on hover.
 */
function Lineage(
  props: IPanelProps & { dataset: IDataset }
): JSX.Element | null {
  const { model, commands, dataset } = props;
  const { trans } = model;
  const source = dataset.source;
  if (!source) {
    return null;
  }
  const notebook = model.notebooks.data?.notebooks.find(
    item => item.notebookId === source.notebookId
  );
  const origin = model.datasets.data?.find(
    item => item.datasetId === source.datasetId
  );
  const newColumns = dataset.newColumns ?? [];
  const hover = [
    newColumns.length
      ? trans.__('New columns: %1', newColumns.join(', '))
      : trans.__('No new columns'),
    origin ? trans.__('Enriched from the dataset “%1”', origin.name) : ''
  ]
    .filter(Boolean)
    .join('\n');
  const run = shortId(source.executionId);
  return (
    <div
      className="jp-mindzie-ListItem-meta jp-mindzie-Lineage"
      data-testid="mindzie-dataset-lineage"
      data-execution-id={source.executionId}
      title={hover}
    >
      <button
        className="jp-mindzie-LinkButton"
        onClick={event => {
          event.stopPropagation();
          if (model.project) {
            void commands.execute(CommandIDs.openExecution, {
              ...model.project,
              notebookId: source.notebookId,
              executionId: source.executionId,
              notebookName: notebook?.notebookName ?? ''
            });
          }
        }}
      >
        {notebook
          ? trans.__('from run %1 of %2', run, notebook.notebookName)
          : trans.__(
              'from run %1 of notebook %2',
              run,
              shortId(source.notebookId)
            )}
      </button>
    </div>
  );
}
