/**
 * ExecutionView: one execution in a main-area tab. Progress, the current cell and every cell's
 * state update live; failed cells say what failed and jump to the cell; once the run ends its
 * results are browsed here.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { TranslationBundle } from '@jupyterlab/translation';
import {
  checkIcon,
  circleEmptyIcon,
  closeIcon,
  launchIcon,
  refreshIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import * as React from 'react';

import { CommandIDs } from '../commands';
import { DEFAULT_PRIORITY, isTerminal } from '../contract';
import {
  formatBytes,
  formatCount,
  formatDateTime,
  formatSeconds,
  shortId
} from '../format';
import { mindzieIcon } from '../icons';
import { MindzieModel } from '../model';
import {
  ICellResult,
  IExecution,
  INotebook,
  IProjectRef,
  IResultOutput,
  IResults
} from '../tokens';
import {
  CompletedWithFailures,
  EmptyState,
  ErrorBox,
  ProgressBar,
  Section,
  Spinner,
  StatusBadge,
  failedCellsOfCompleted,
  joinFacts,
  priorityText,
  statusLabel,
  useSignal
} from './common';
import { ResultsBrowser } from './results';
import { RunPicker } from './run-picker';
import { paramText } from './history';
import { firstLine } from './run-form';
import { SourceAround, failingLine } from './cell-source';
import { cellHeading } from '../cells';

/**
 * The ids of an execution.
 */
export interface IExecutionIds extends IProjectRef {
  notebookId: string;
  executionId: string;
}

export class ExecutionView extends ReactWidget {
  constructor(options: ExecutionView.IOptions) {
    super();
    this.addClass('jp-mindzie-ExecutionView');
    this._ids = {
      tenantId: options.tenantId,
      projectId: options.projectId,
      notebookId: options.notebookId,
      executionId: options.executionId
    };
    this._options = options;
    this.title.icon = mindzieIcon;
    this.title.closable = true;
    this.setNotebookName(options.notebookName ?? null);
  }

  /**
   * The run shown; one tab follows one notebook's runs, so it changes.
   */
  get ids(): IExecutionIds {
    return this._ids;
  }

  get executionId(): string {
    return this._ids.executionId;
  }

  get notebookId(): string {
    return this._ids.notebookId;
  }

  /**
   * Opened as a tab of its own: other runs of the notebook do not replace it.
   */
  get detached(): boolean {
    return !!this._options.detached;
  }

  /**
   * Show another run of the same notebook in this tab.
   */
  showExecution(executionId: string): void {
    if (executionId === this._ids.executionId) {
      return;
    }
    this._ids = { ...this._ids, executionId };
    this.setNotebookName(this._name ?? null);
    this.update();
  }

  /**
   * What the layout restorer keeps to reopen this tab.
   */
  get args(): IExecutionIds & { notebookName?: string } {
    return this._name
      ? { ...this.ids, notebookName: this._name }
      : { ...this.ids };
  }

  setNotebookName(name: string | null): void {
    this._name = name ?? undefined;
    const trans = this._options.model.trans;
    const run = shortId(this._ids.executionId);
    // The notebook's name alone reads at the default width; the runs are picked inside.
    this.title.label =
      name ?? trans._p('execution tab label', 'mindzie run %1', run);
    this.title.caption = name
      ? trans.__('mindzie execution %1 of “%2”', this._ids.executionId, name)
      : trans.__('mindzie execution %1', this._ids.executionId);
  }

  render(): JSX.Element {
    return (
      <>
        <RunPicker
          ids={this._ids}
          model={this._options.model}
          commands={this._options.commands}
          onPick={executionId => this.showExecution(executionId)}
        />
        <ExecutionPage
          key={this._ids.executionId}
          ids={this._ids}
          model={this._options.model}
          rendermime={this._options.rendermime}
          commands={this._options.commands}
          onNotebook={notebook => this.setNotebookName(notebook.notebookName)}
        />
      </>
    );
  }

  private _ids: IExecutionIds;
  private _options: ExecutionView.IOptions;
  private _name: string | undefined;
}

export namespace ExecutionView {
  export interface IOptions extends IExecutionIds {
    notebookName?: string;
    /**
     * A tab of its own (asked for), not the notebook's shared run tab.
     */
    detached?: boolean;
    model: MindzieModel;
    rendermime: IRenderMimeRegistry;
    commands: CommandRegistry;
  }
}

interface IPageProps {
  ids: IExecutionIds;
  model: MindzieModel;
  rendermime: IRenderMimeRegistry;
  commands: CommandRegistry;
  onNotebook: (notebook: INotebook) => void;
}

function ExecutionPage(props: IPageProps): JSX.Element {
  const { ids, model, commands } = props;
  const { trans } = model;
  const service = model.service;
  const watcher = React.useMemo(
    () => model.watch(ids, ids.notebookId, ids.executionId),
    [ids.executionId]
  );
  useSignal(watcher.changed);
  const execution = watcher.execution;
  const status = execution?.status;
  const terminal = !!status && isTerminal(status);

  const [notebook, setNotebook] = React.useState<INotebook | null>(null);
  React.useEffect(() => {
    let disposed = false;
    service
      .getNotebook(ids, ids.notebookId, { includeContent: true })
      .then(value => {
        if (!disposed) {
          setNotebook(value);
          props.onNotebook(value);
        }
      })
      .catch(() => {
        // The notebook may be gone; the run's own view still works without its cells' text.
      });
    return () => {
      disposed = true;
    };
  }, [ids.notebookId]);

  const [results, setResults] = React.useState<IResults | null>(null);
  const [resultsError, setResultsError] = React.useState<unknown>(null);
  const loadResults = React.useCallback(() => {
    setResultsError(null);
    service
      .getResults(ids, ids.notebookId, ids.executionId, { format: 'detailed' })
      .then(setResults)
      .catch(setResultsError);
  }, [ids.executionId]);
  React.useEffect(() => {
    if (terminal) {
      loadResults();
    }
  }, [terminal]);

  // A clock for the elapsed time while the run goes on.
  const [, setNow] = React.useState(Date.now());
  React.useEffect(() => {
    if (terminal) {
      return;
    }
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [terminal]);

  if (!execution) {
    return (
      <div className="jp-mindzie-Execution" data-testid="mindzie-execution">
        {watcher.error ? (
          <ErrorBox
            error={watcher.error}
            onRetry={() => void watcher.refresh()}
          />
        ) : (
          <Spinner label={trans.__('Loading the execution…')} />
        )}
      </div>
    );
  }

  const path = notebook?.path ?? null;
  const cellsById = new Map(
    (notebook?.cells ?? []).map(cell => [cell.cellId, cell])
  );
  // The panel never asks for `includeCells=false`: the list is always there.
  const cellResults = execution.cellResults ?? [];
  // A cancelled run's interrupted cell is no failure of the analysis: it shows among the cells.
  const failed = cellResults.filter(
    cell => cell.status === 'Error' && cell.errorType !== 'Cancelled'
  );
  const progress = execution.progress;
  const elapsed = terminal
    ? execution.totalDurationSeconds
    : (Date.now() - new Date(execution.startTime ?? 0).getTime()) / 1000;
  const params = Object.entries(execution.parameters ?? {});
  // The first failure, one click away: the cell in the editor, else its card here.
  const showFailure = (cellId: string) => {
    if (path) {
      void commands.execute(CommandIDs.goToCell, { path, cellId });
      return;
    }
    document
      .querySelector(
        `.jp-mindzie-FailedCell[data-cell-id="${CSS.escape(cellId)}"]`
      )
      ?.scrollIntoView({ block: 'center' });
  };

  const cells = (
    <Section
      title={trans.__('Cells')}
      count={cellResults.length}
      testId="mindzie-cells"
    >
      <ol className="jp-mindzie-Cells">
        {cellResults.map((cell, index) => (
          <CellRow
            key={cell.cellId}
            cell={cell}
            index={index}
            current={!terminal && execution.currentCell === cell.cellId}
            source={cellsById.get(cell.cellId)?.content}
            heading={cellHeading(notebook?.cells ?? [], cell.cellId)}
            path={path}
            commands={commands}
            trans={trans}
          />
        ))}
      </ol>
    </Section>
  );

  return (
    <div
      className="jp-mindzie-Execution"
      data-testid="mindzie-execution"
      data-status={execution.status}
      data-phase={execution.phase}
    >
      <header className="jp-mindzie-Execution-header">
        <div className="jp-mindzie-Execution-titleRow">
          <h2 className="jp-mindzie-Execution-title">
            {notebook?.notebookName ?? trans.__('Execution')}
          </h2>
          <span
            data-testid="mindzie-execution-status"
            role="status"
            aria-live="polite"
          >
            {failedCellsOfCompleted(execution) > 0 ? (
              <CompletedWithFailures
                failed={failed.length || failedCellsOfCompleted(execution)}
                total={progress.totalCells}
                onFirstFailure={
                  failed.length
                    ? () => showFailure(failed[0].cellId)
                    : undefined
                }
              />
            ) : (
              <StatusBadge status={execution.status} />
            )}
          </span>
          <div className="jp-mindzie-Execution-actions">
            {!terminal && (
              <button
                className="jp-mod-styled jp-mod-warn jp-mindzie-Button"
                data-testid="mindzie-cancel"
                onClick={() =>
                  void commands.execute(CommandIDs.cancelExecution, { ...ids })
                }
              >
                <stopIcon.react tag="span" className="jp-mindzie-Button-icon" />
                {trans.__('Cancel')}
              </button>
            )}
            {path && (
              <button
                className="jp-mod-styled jp-mindzie-Button"
                onClick={() =>
                  void commands.execute(CommandIDs.openNotebook, { path })
                }
              >
                <launchIcon.react
                  tag="span"
                  className="jp-mindzie-Button-icon"
                />
                {trans.__('Open notebook')}
              </button>
            )}
            <button
              className="jp-mindzie-IconButton"
              title={trans.__('Refresh')}
              aria-label={trans.__('Refresh')}
              onClick={() => {
                void watcher.refresh();
                if (terminal) {
                  loadResults();
                }
              }}
            >
              <refreshIcon.react tag="span" />
            </button>
          </div>
        </div>
        <div className="jp-mindzie-Execution-meta">
          <span title={execution.startTime ?? undefined}>
            {trans.__('Started %1', formatDateTime(execution.startTime))}
          </span>
          <span data-testid="mindzie-execution-duration">
            {terminal
              ? trans.__('Took %1', formatSeconds(elapsed))
              : trans.__('Running for %1', formatSeconds(elapsed))}
          </span>
          <span>{priorityText(execution.priority ?? DEFAULT_PRIORITY)}</span>
          {execution.notebookVersion && (
            <span>{trans.__('notebook v%1', execution.notebookVersion)}</span>
          )}
          <span title={execution.executionId}>
            {trans.__('id %1', shortId(execution.executionId))}
          </span>
        </div>
        {params.length ? (
          <div
            className="jp-mindzie-Params"
            data-testid="mindzie-execution-parameters"
          >
            {params.map(([name, value]) => (
              <code key={name} className="jp-mindzie-Chip">
                {name}={paramText(name, value, model.datasets.data)}
              </code>
            ))}
          </div>
        ) : null}
      </header>

      <div
        className="jp-mindzie-Execution-progress"
        data-testid="mindzie-progress"
      >
        <ProgressBar
          percent={progress.percentComplete}
          status={
            execution.status === 'Completed' && (progress.failedCells ?? 0) > 0
              ? 'CompletedWithErrors'
              : execution.status
          }
        />
        <div
          className="jp-mindzie-Execution-progressText"
          data-testid="mindzie-progress-text"
        >
          {phaseText(trans, execution)}
        </div>
      </div>

      {watcher.error ? (
        <ErrorBox
          error={watcher.error}
          compact
          title={trans.__('Lost contact with the execution; retrying')}
          onRetry={() => void watcher.refresh()}
        />
      ) : null}

      {execution.status === 'Error' && (
        <div
          className="jp-mindzie-Banner jp-mod-error"
          role="alert"
          data-testid="mindzie-execution-error"
        >
          <ErrorLine
            trans={trans}
            errorType={execution.errorType}
            message={execution.errorMessage}
          />
          <div className="jp-mindzie-Muted">
            {execution.errorType === 'TimeoutError'
              ? trans.__('The run was cut short because it passed its timeout.')
              : execution.errorType === 'DeadKernelError'
                ? trans.__(
                    'The run was cut short because its kernel died (out of memory?).'
                  )
                : trans.__('The run was cut short.')}
          </div>
        </div>
      )}
      {execution.status === 'Cancelled' && (
        <div
          className="jp-mindzie-Banner"
          data-testid="mindzie-execution-cancelled"
        >
          <strong>{trans.__('Cancelled.')}</strong>{' '}
          {trans.__('Cells that had run keep their results.')}
        </div>
      )}

      {failed.length ? (
        <Section
          title={trans.__('Failed cells')}
          count={failed.length}
          testId="mindzie-failed-cells"
          className="jp-mindzie-FailedSection"
        >
          {failed.map(cell => (
            <FailedCell
              key={cell.cellId}
              cell={cell}
              index={cellResults.indexOf(cell)}
              source={cellsById.get(cell.cellId)?.content}
              heading={cellHeading(notebook?.cells ?? [], cell.cellId)}
              path={path}
              traceback={results?.outputs.find(
                o => o.cellId === cell.cellId && o.outputType === 'error'
              )}
              {...props}
            />
          ))}
        </Section>
      ) : null}

      {!terminal && cells}

      {terminal ? (
        results ? (
          <ResultsBrowser
            results={results}
            service={service}
            rendermime={props.rendermime}
            commands={commands}
            ids={ids}
            path={path}
          />
        ) : resultsError ? (
          <ErrorBox
            error={resultsError}
            title={trans.__('Could not load the results')}
            onRetry={loadResults}
          />
        ) : (
          <Spinner label={trans.__('Loading the results…')} />
        )
      ) : (
        <EmptyState testId="mindzie-results-pending">
          {trans.__(
            'Results (plots, tables, enriched datasets, models and the report) show here when the run ends.'
          )}
        </EmptyState>
      )}

      {terminal && cells}

      {terminal && execution.resources ? (
        <Section title={trans.__('Resources')} testId="mindzie-resources">
          <table className="jp-mindzie-KeyValue">
            <tbody>
              <tr>
                <th>{trans.__('Duration')}</th>
                <td>{execution.totalDuration ?? formatSeconds(elapsed)}</td>
              </tr>
              <tr>
                <th>{trans.__('Peak memory')}</th>
                <td>
                  {execution.resources.peakMemoryUsage ??
                    formatBytes(execution.resources.peakMemoryBytes)}
                </td>
              </tr>
              <tr>
                <th>{trans.__('CPU time')}</th>
                <td>
                  {execution.resources.cpuTime ??
                    formatSeconds(execution.resources.cpuTimeSeconds)}
                </td>
              </tr>
              <tr>
                <th>{trans.__('Disk (artifacts)')}</th>
                <td>
                  {execution.resources.diskUsage ??
                    formatBytes(execution.resources.diskUsageBytes)}
                </td>
              </tr>
            </tbody>
          </table>
        </Section>
      ) : null}
    </div>
  );
}

/**
 * "Queued: position 2, waiting for a free slot", "Running cell-005 · 3 of 7 cells done",
 * "Completed · 7 of 7 cells · 6 succeeded, 1 failed".
 */
function phaseText(trans: TranslationBundle, execution: IExecution): string {
  const p = execution.progress;
  const counts = trans._n(
    '%2 of %3 cell',
    '%2 of %3 cells',
    p.totalCells,
    formatCount(p.completedCells),
    formatCount(p.totalCells)
  );
  // A cell the cancel interrupted is cancelled, not failed.
  const cancelled = (execution.cellResults ?? []).filter(
    cell => cell.status === 'Error' && cell.errorType === 'Cancelled'
  ).length;
  const failed = Math.max(0, (p.failedCells ?? 0) - cancelled);
  const withOutcome = (text: string) =>
    p.successfulCells !== undefined
      ? joinFacts(
          text,
          cancelled
            ? trans.__(
                '%1 succeeded, %2 failed, %3 cancelled',
                formatCount(p.successfulCells),
                formatCount(failed),
                formatCount(cancelled)
              )
            : trans.__(
                '%1 succeeded, %2 failed',
                formatCount(p.successfulCells),
                formatCount(failed)
              )
        )
      : text;
  switch (execution.phase) {
    case 'Queued':
      return execution.queuePosition
        ? trans.__(
            'Queued: position %1, waiting for a free slot',
            formatCount(execution.queuePosition)
          )
        : trans.__('Queued: waiting for a free slot');
    case 'Starting':
      return trans.__('Starting a kernel…');
    case 'Executing':
      return withOutcome(
        execution.currentCell
          ? trans.__('Running %1 · %2 done', execution.currentCell, counts)
          : trans.__('Running cells · %1 done', counts)
      );
    case 'Finishing':
      return withOutcome(
        trans.__('Saving results and the report · %1', counts)
      );
    default:
      return withOutcome(joinFacts(statusLabel(execution.status), counts));
  }
}

/**
 * An error's type in bold, then its message ("ValueError: bad input").
 */
function ErrorLine(props: {
  trans: TranslationBundle;
  errorType: string | null | undefined;
  message: string | null | undefined;
}): JSX.Element {
  const { trans } = props;
  return (
    <>
      <strong>{props.errorType ?? trans.__('Error')}</strong>
      {props.message
        ? trans._p('after an error type', ': %1', props.message)
        : ''}
    </>
  );
}

const CELL_ICONS: Record<string, JSX.Element> = {
  Success: <checkIcon.react tag="span" className="jp-mindzie-CellIcon" />,
  Error: <closeIcon.react tag="span" className="jp-mindzie-CellIcon" />,
  Pending: <circleEmptyIcon.react tag="span" className="jp-mindzie-CellIcon" />,
  Skipped: (
    <span className="jp-mindzie-CellIcon jp-mindzie-CellIcon-skipped">–</span>
  ),
  Running: <span className="jp-mindzie-CellIcon jp-mindzie-Spinner-dot" />
};

function CellRow(props: {
  cell: ICellResult;
  index: number;
  current: boolean;
  source: string | undefined;
  heading: string;
  path: string | null;
  commands: CommandRegistry;
  trans: TranslationBundle;
}): JSX.Element {
  const { cell, path, commands, trans } = props;
  const status =
    props.current && cell.status === 'Pending' ? 'Running' : cell.status;
  return (
    <li
      className={`jp-mindzie-CellRow${props.current ? ' jp-mod-current' : ''}`}
      data-testid="mindzie-cell-row"
      data-cell-id={cell.cellId}
      data-status={status}
      data-error-type={cell.errorType ?? undefined}
      title={
        cell.errorMessage
          ? trans._p(
              'cell id, status, error',
              '%1: %2 (%3: %4)',
              cell.cellId,
              statusLabel(status),
              cell.errorType ?? trans.__('Error'),
              cell.errorMessage
            )
          : trans._p(
              'cell id, status',
              '%1: %2',
              cell.cellId,
              statusLabel(status)
            )
      }
    >
      <span className={`jp-mindzie-CellRow-icon jp-mindzie-Cell-${status}`}>
        {CELL_ICONS[status] ?? CELL_ICONS.Pending}
      </span>
      <span className="jp-mindzie-CellRow-index">[{props.index + 1}]</span>
      {path ? (
        <button
          className="jp-mindzie-LinkButton jp-mindzie-CellRow-id"
          title={trans.__('Show this cell in the notebook')}
          onClick={() =>
            void commands.execute(CommandIDs.goToCell, {
              path,
              cellId: cell.cellId
            })
          }
        >
          {cell.cellId}
        </button>
      ) : (
        <span className="jp-mindzie-CellRow-id">{cell.cellId}</span>
      )}
      {props.heading ? (
        <span
          className="jp-mindzie-CellRow-heading"
          data-testid="mindzie-cell-heading"
        >
          {props.heading}
        </span>
      ) : (
        <code className="jp-mindzie-CellRow-source">
          {firstLine(props.source, 60)}
        </code>
      )}
      <span className="jp-mindzie-CellRow-time">
        {cell.status === 'Error'
          ? cell.errorType
          : cell.executionTimeSeconds !== null
            ? formatSeconds(cell.executionTimeSeconds)
            : ''}
      </span>
    </li>
  );
}

/**
 * A failed cell: which one, its error type and message, its code, the traceback, and a link
 * that selects the cell in the notebook editor.
 */
function FailedCell(
  props: IPageProps & {
    cell: ICellResult;
    index: number;
    source: string | undefined;
    heading: string;
    path: string | null;
    traceback: IResultOutput | undefined;
  }
): JSX.Element {
  const { cell, path, commands, traceback } = props;
  const { trans } = props.model;
  const [showTrace, setShowTrace] = React.useState(false);
  const lines = (props.source ?? '').split('\n');
  return (
    <div
      className="jp-mindzie-FailedCell"
      data-testid="mindzie-failed-cell"
      data-cell-id={cell.cellId}
    >
      <div className="jp-mindzie-FailedCell-header">
        <span className="jp-mindzie-FailedCell-where">
          {props.heading
            ? trans._p(
                'failed cell: position, heading',
                'Cell [%1] · %2',
                props.index + 1,
                props.heading
              )
            : trans.__('Cell [%1]', props.index + 1)}{' '}
          <code className="jp-mindzie-CellId">{cell.cellId}</code>
        </span>
        {path && (
          <button
            className="jp-mod-styled jp-mindzie-Button jp-mindzie-Button-small"
            data-testid="mindzie-go-to-cell"
            onClick={() =>
              void commands.execute(CommandIDs.goToCell, {
                path,
                cellId: cell.cellId
              })
            }
          >
            {trans.__('Go to cell')}
          </button>
        )}
      </div>
      <div
        className="jp-mindzie-FailedCell-error"
        data-testid="mindzie-failed-cell-error"
      >
        <ErrorLine
          trans={trans}
          errorType={cell.errorType}
          message={cell.errorMessage}
        />
      </div>
      {props.source ? (
        <SourceAround
          lines={lines}
          failing={failingLine(
            typeof traceback?.content === 'string' ? traceback.content : null
          )}
        />
      ) : null}
      {traceback && typeof traceback.content === 'string' ? (
        <>
          <button
            className="jp-mindzie-LinkButton"
            onClick={() => setShowTrace(!showTrace)}
          >
            {showTrace
              ? trans.__('Hide the traceback')
              : trans.__('Show the traceback')}
          </button>
          {showTrace && (
            <pre className="jp-mindzie-Traceback">{traceback.content}</pre>
          )}
        </>
      ) : null}
    </div>
  );
}
