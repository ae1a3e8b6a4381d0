/**
 * The results browser of an execution: outputs (rendered by JupyterLab), enriched datasets with
 * a preview table, models with their metrics, reports and downloads.
 */
import { Notification } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { CommandRegistry } from '@lumino/commands';
import { downloadIcon, launchIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { CommandIDs } from '../commands';
import { parseCsv } from '../csv';
import { downloadBlob, fileNameOf } from '../download';
import { formatCount, formatLocale, formatValue } from '../format';
import { errorMessage } from '../request';
import {
  IEnrichedDataset,
  IMindzieService,
  IModelResult,
  IProjectRef,
  IResultOutput,
  IResults
} from '../tokens';
import { EmptyState, ErrorBox, Section, Spinner } from './common';
import { RenderedOutput } from './rendered';

const PREVIEW_ROWS = 50;

export interface IResultsProps {
  results: IResults;
  service: IMindzieService;
  rendermime: IRenderMimeRegistry;
  commands: CommandRegistry;
  ids: IProjectRef & { notebookId: string; executionId: string };
  /**
   * The notebook file, for "go to cell".
   */
  path: string | null;
}

/**
 * Download an artifact with the page's credentials and save it.
 */
async function download(
  service: IMindzieService,
  url: string,
  fileName?: string
): Promise<void> {
  try {
    const blob = await service.fetchArtifact(url);
    downloadBlob(blob, fileName ?? fileNameOf(url));
  } catch (error) {
    const { trans } = formatLocale();
    Notification.error(
      trans.__(
        'Could not download %1: %2',
        fileNameOf(url),
        errorMessage(error)
      ),
      { autoClose: false }
    );
  }
}

export function ResultsBrowser(props: IResultsProps): JSX.Element {
  const { results } = props;
  const { trans } = formatLocale();
  // Error tracebacks are shown with their failed cell, not among the results.
  const outputs = results.outputs.filter(
    output => output.outputType !== 'error'
  );
  const plots = outputs.filter(o => o.contentType.startsWith('image/'));
  // JSON outputs are what notebooks publish as metrics: shown right after the plots.
  const metrics = outputs.filter(o => o.contentType === 'application/json');
  const others = outputs.filter(
    o =>
      !o.contentType.startsWith('image/') &&
      o.contentType !== 'application/json'
  );
  const empty =
    !outputs.length &&
    !results.enrichedDatasets.length &&
    !results.models.length &&
    !results.reports.length;
  return (
    <div className="jp-mindzie-Results" data-testid="mindzie-results">
      <Downloads {...props} />
      {empty && (
        <EmptyState testId="mindzie-results-empty">
          {trans.__(
            'This run produced no outputs, datasets, models or reports.'
          )}
        </EmptyState>
      )}
      {plots.length ? (
        <Section
          title={trans.__('Plots')}
          count={plots.length}
          testId="mindzie-results-plots"
        >
          <div className="jp-mindzie-OutputGrid">
            {plots.map((output, index) => (
              <OutputCard
                key={output.downloadUrl}
                output={output}
                index={index}
                {...props}
              />
            ))}
          </div>
        </Section>
      ) : null}
      {metrics.length ? (
        <Section
          title={trans.__('Metrics')}
          count={metrics.length}
          testId="mindzie-results-metrics"
        >
          {metrics.map((output, index) => (
            <OutputCard
              key={output.downloadUrl}
              output={output}
              index={index}
              {...props}
            />
          ))}
        </Section>
      ) : null}
      {results.enrichedDatasets.length ? (
        <Section
          title={trans.__('Enriched datasets')}
          count={results.enrichedDatasets.length}
          testId="mindzie-results-datasets"
        >
          {results.enrichedDatasets.map(dataset => (
            <EnrichedDatasetCard
              key={dataset.name}
              dataset={dataset}
              {...props}
            />
          ))}
        </Section>
      ) : null}
      {results.models.length ? (
        <Section
          title={trans.__('Models')}
          count={results.models.length}
          testId="mindzie-results-models"
        >
          {results.models.map(model => (
            <ModelCard key={model.name} model={model} {...props} />
          ))}
        </Section>
      ) : null}
      {others.length ? (
        <Section
          title={trans.__('Outputs')}
          count={others.length}
          testId="mindzie-results-outputs"
        >
          {others.map((output, index) => (
            <OutputCard
              key={output.downloadUrl}
              output={output}
              index={index}
              {...props}
            />
          ))}
        </Section>
      ) : null}
    </div>
  );
}

/**
 * Reports (opened in a Lab tab), the zip of everything, the executed notebook.
 */
function Downloads(props: IResultsProps): JSX.Element {
  const { results, commands, service, ids } = props;
  const { trans } = formatLocale();
  return (
    <div
      className="jp-mindzie-Downloads"
      data-testid="mindzie-results-downloads"
    >
      {results.reports.map(report => (
        <button
          key={report.downloadUrl}
          className="jp-mod-styled jp-mod-accept jp-mindzie-Button"
          data-testid="mindzie-open-report"
          title={trans.__(
            'Open the %1 report in a JupyterLab tab',
            report.format ?? 'HTML'
          )}
          onClick={() =>
            void commands.execute(CommandIDs.openReport, {
              url: report.downloadUrl,
              name: report.name
            })
          }
        >
          <launchIcon.react tag="span" className="jp-mindzie-Button-icon" />
          {trans.__('Open report')}
        </button>
      ))}
      <button
        className="jp-mod-styled jp-mindzie-Button"
        data-testid="mindzie-download-zip"
        title={trans.__('Every artifact of this run in one zip file')}
        onClick={() =>
          void commands.execute(CommandIDs.downloadResults, { ...ids })
        }
      >
        <downloadIcon.react tag="span" className="jp-mindzie-Button-icon" />
        {trans.__('Download all (.zip)')}
      </button>
      {results.executedNotebook && (
        <button
          className="jp-mod-styled jp-mindzie-Button"
          data-testid="mindzie-download-executed"
          title={trans.__(
            'The notebook as this run left it, with every output'
          )}
          onClick={() =>
            void download(
              service,
              results.executedNotebook!.downloadUrl,
              `executed-${ids.executionId.split('-')[0]}.ipynb`
            )
          }
        >
          <downloadIcon.react tag="span" className="jp-mindzie-Button-icon" />
          {trans.__('Executed notebook')}
        </button>
      )}
    </div>
  );
}

function OutputCard(
  props: IResultsProps & { output: IResultOutput; index: number }
): JSX.Element {
  const { output, service, commands, path } = props;
  const { trans } = formatLocale();
  return (
    <div
      className="jp-mindzie-Card jp-mindzie-OutputCard"
      data-testid="mindzie-output"
      data-content-type={output.contentType}
      data-cell-id={output.cellId ?? ''}
    >
      <div className="jp-mindzie-Card-header">
        <span className="jp-mindzie-Card-title">
          {output.title || output.contentType}
        </span>
        <span className="jp-mindzie-Card-meta">
          {output.cellId && path ? (
            <button
              className="jp-mindzie-LinkButton"
              title={trans.__('Show this cell in the notebook')}
              onClick={() =>
                void commands.execute(CommandIDs.goToCell, {
                  path,
                  cellId: output.cellId!
                })
              }
            >
              {output.cellId}
            </button>
          ) : (
            output.cellId
          )}
          {output.dimensions
            ? ` · ${Math.round(output.dimensions.width)}×${Math.round(output.dimensions.height)}`
            : ''}
        </span>
        <button
          className="jp-mindzie-IconButton"
          title={trans.__('Download %1', fileNameOf(output.downloadUrl))}
          aria-label={trans.__('Download')}
          onClick={() => void download(service, output.downloadUrl)}
        >
          <downloadIcon.react tag="span" />
        </button>
      </div>
      <RenderedOutput
        output={output}
        rendermime={props.rendermime}
        service={service}
      />
    </div>
  );
}

/**
 * An enriched dataset: its size, new columns, a preview table and the CSV download.
 */
function EnrichedDatasetCard(
  props: IResultsProps & { dataset: IEnrichedDataset }
): JSX.Element {
  const { dataset, service } = props;
  const { trans } = formatLocale();
  const [preview, setPreview] = React.useState<ReturnType<
    typeof parseCsv
  > | null>(null);
  const [error, setError] = React.useState<unknown>(null);
  React.useEffect(() => {
    let disposed = false;
    if (!dataset.downloadUrl) {
      return;
    }
    service
      .fetchArtifact(dataset.downloadUrl)
      .then(blob => blob.text())
      .then(text => {
        if (!disposed) {
          setPreview(parseCsv(text, PREVIEW_ROWS));
        }
      })
      .catch(reason => {
        if (!disposed) {
          setError(reason);
        }
      });
    return () => {
      disposed = true;
    };
  }, [dataset.downloadUrl]);
  const newColumns = new Set(dataset.newColumns);
  const fileName = `${dataset.name.replace(/[^\w.-]+/g, '_') || 'enriched'}.csv`;
  return (
    <div className="jp-mindzie-Card" data-testid="mindzie-enriched-dataset">
      <div className="jp-mindzie-Card-header">
        <span className="jp-mindzie-Card-title">{dataset.name}</span>
        <span className="jp-mindzie-Card-meta">
          {trans._n(
            '%2 record',
            '%2 records',
            dataset.recordCount ?? 0,
            formatCount(dataset.recordCount)
          )}
          {dataset.format ? ` · ${dataset.format}` : ''}
        </span>
        {dataset.downloadUrl ? (
          <button
            className="jp-mod-styled jp-mindzie-Button jp-mindzie-Button-small"
            data-testid="mindzie-download-csv"
            onClick={() =>
              void download(service, dataset.downloadUrl!, fileName)
            }
          >
            <downloadIcon.react tag="span" className="jp-mindzie-Button-icon" />
            {trans._p('download button', 'CSV')}
          </button>
        ) : (
          <span className="jp-mindzie-Muted">{trans.__('file missing')}</span>
        )}
      </div>
      {dataset.newColumns.length ? (
        <div className="jp-mindzie-Chips">
          <span className="jp-mindzie-Muted">{trans.__('New columns:')}</span>
          {dataset.newColumns.map(column => (
            <code key={column} className="jp-mindzie-Chip jp-mod-new">
              {column}
            </code>
          ))}
        </div>
      ) : null}
      {error ? (
        <ErrorBox
          error={error}
          compact
          title={trans.__('Could not load the preview')}
        />
      ) : null}
      {!preview && !error && dataset.downloadUrl ? (
        <Spinner label={trans.__('Loading the preview…')} />
      ) : null}
      {preview ? (
        <>
          <div className="jp-mindzie-TableWrap jp-RenderedHTMLCommon">
            <table
              className="jp-mindzie-Table"
              data-testid="mindzie-enriched-table"
            >
              <thead>
                <tr>
                  {preview.header.map((column, index) => (
                    <th
                      key={index}
                      className={
                        newColumns.has(column) ? 'jp-mod-new' : undefined
                      }
                      title={
                        newColumns.has(column)
                          ? trans.__('Added by this run')
                          : undefined
                      }
                    >
                      {column}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {preview.rows.map((row, index) => (
                  <tr key={index}>
                    {preview.header.map((_, column) => (
                      <CsvCell key={column} text={row[column] ?? ''} />
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="jp-mindzie-Muted jp-mindzie-TableNote">
            {preview.truncated ||
            (dataset.recordCount ?? 0) > preview.rows.length
              ? trans._n(
                  'First %2 of %3 row.',
                  'First %2 of %3 rows.',
                  dataset.recordCount ?? 0,
                  formatCount(preview.rows.length),
                  formatCount(dataset.recordCount)
                )
              : trans._n(
                  '%2 row.',
                  '%2 rows.',
                  preview.rows.length,
                  formatCount(preview.rows.length)
                )}
          </div>
        </>
      ) : null}
    </div>
  );
}

/**
 * A model: type, accuracy, features, metrics and the file.
 */
function ModelCard(
  props: IResultsProps & { model: IModelResult }
): JSX.Element {
  const { model, service } = props;
  const { trans, language } = formatLocale();
  const metrics = Object.entries(model.metrics ?? {});
  return (
    <div className="jp-mindzie-Card" data-testid="mindzie-model">
      <div className="jp-mindzie-Card-header">
        <span className="jp-mindzie-Card-title">{model.name}</span>
        <span className="jp-mindzie-Card-meta">
          {model.modelType ?? trans.__('model')}
        </span>
        {model.downloadUrl ? (
          <button
            className="jp-mod-styled jp-mindzie-Button jp-mindzie-Button-small"
            onClick={() => void download(service, model.downloadUrl!)}
          >
            <downloadIcon.react tag="span" className="jp-mindzie-Button-icon" />
            {trans._p('download button', 'File')}
          </button>
        ) : null}
      </div>
      <table
        className="jp-mindzie-KeyValue"
        data-testid="mindzie-model-metrics"
      >
        <tbody>
          {model.accuracy !== null && model.accuracy !== undefined ? (
            <tr>
              <th>{trans._p('model metric', 'accuracy')}</th>
              <td>
                {typeof model.accuracy === 'number' && model.accuracy <= 1
                  ? new Intl.NumberFormat(language, {
                      style: 'percent',
                      minimumFractionDigits: 1,
                      maximumFractionDigits: 1
                    }).format(model.accuracy)
                  : formatValue(model.accuracy)}
              </td>
            </tr>
          ) : null}
          {metrics
            .filter(([name]) => name !== 'accuracy')
            .map(([name, value]) => (
              <tr key={name}>
                <th>{name}</th>
                <td>{formatValue(value)}</td>
              </tr>
            ))}
          {model.features.length ? (
            <tr>
              <th>{trans._p('model', 'features')}</th>
              <td>
                {model.features.map(feature => (
                  <code key={feature} className="jp-mindzie-Chip">
                    {feature}
                  </code>
                ))}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}

const LONG_DECIMAL = /^-?\d+\.\d{5,}$/;

/**
 * A preview cell; long decimals are shortened for reading (the full value on hover).
 */
function CsvCell(props: { text: string }): JSX.Element {
  const { text } = props;
  if (LONG_DECIMAL.test(text)) {
    const short = Number(text).toLocaleString(formatLocale().language, {
      maximumFractionDigits: 4,
      useGrouping: false
    });
    return <td title={text}>{short}</td>;
  }
  return <td>{text}</td>;
}
