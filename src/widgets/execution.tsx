/**
 * ExecutionView: one execution in a main-area tab. Progress, the current cell and every cell's
 * state update live; failed cells say what failed and jump to the cell; once the run ends its
 * results are browsed here.
 */
import { ReactWidget } from '@jupyterlab/apputils';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
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
import { formatBytes, formatDateTime, formatSeconds, shortId } from '../format';
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
  EmptyState,
  ErrorBox,
  ProgressBar,
  Section,
  Spinner,
  StatusBadge,
  useSignal
} from './common';
import { ResultsBrowser } from './results';
import { paramText } from './notebook-page';
import { firstLine } from './run-form';

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
    this.ids = {
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

  readonly ids: IExecutionIds;

  get executionId(): string {
    return this.ids.executionId;
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
    const run = `run ${shortId(this.ids.executionId)}`;
    this.title.label = name ? `${name} · ${run}` : `mindzie ${run}`;
    this.title.caption = `mindzie execution ${this.ids.executionId}${name ? ` of “${name}”` : ''}`;
  }

  render(): JSX.Element {
    return (
      <ExecutionPage
        ids={this.ids}
        model={this._options.model}
        rendermime={this._options.rendermime}
        commands={this._options.commands}
        onNotebook={notebook => this.setNotebookName(notebook.notebookName)}
      />
    );
  }

  private _options: ExecutionView.IOptions;
  private _name: string | undefined;
}

export namespace ExecutionView {
  export interface IOptions extends IExecutionIds {
    notebookName?: string;
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
          <Spinner label="Loading the execution…" />
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

  const cells = (
    <Section title="Cells" count={cellResults.length} testId="mindzie-cells">
      <ol className="jp-mindzie-Cells">
        {cellResults.map((cell, index) => (
          <CellRow
            key={cell.cellId}
            cell={cell}
            index={index}
            current={!terminal && execution.currentCell === cell.cellId}
            source={cellsById.get(cell.cellId)?.content}
            path={path}
            commands={commands}
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
            {notebook?.notebookName ?? 'Execution'}
          </h2>
          <span data-testid="mindzie-execution-status">
            <StatusBadge status={execution.status} />
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
                Cancel
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
                Open notebook
              </button>
            )}
            <button
              className="jp-mindzie-IconButton"
              title="Refresh"
              aria-label="Refresh"
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
            Started {formatDateTime(execution.startTime)}
          </span>
          <span data-testid="mindzie-execution-duration">
            {terminal ? 'Took' : 'Running for'} {formatSeconds(elapsed)}
          </span>
          <span>{execution.priority ?? DEFAULT_PRIORITY} priority</span>
          {execution.notebookVersion && (
            <span>notebook v{execution.notebookVersion}</span>
          )}
          <span title={execution.executionId}>
            id {shortId(execution.executionId)}
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
          {phaseText(execution)}
        </div>
      </div>

      {watcher.error ? (
        <ErrorBox
          error={watcher.error}
          compact
          title="Lost contact with the execution; retrying"
          onRetry={() => void watcher.refresh()}
        />
      ) : null}

      {execution.status === 'Error' && (
        <div
          className="jp-mindzie-Banner jp-mod-error"
          role="alert"
          data-testid="mindzie-execution-error"
        >
          <strong>{execution.errorType ?? 'Error'}</strong>
          {execution.errorMessage ? `: ${execution.errorMessage}` : ''}
          <div className="jp-mindzie-Muted">
            The run was cut short
            {execution.errorType === 'TimeoutError'
              ? ' because it passed its timeout.'
              : execution.errorType === 'DeadKernelError'
                ? ' because its kernel died (out of memory?).'
                : '.'}
          </div>
        </div>
      )}
      {execution.status === 'Cancelled' && (
        <div
          className="jp-mindzie-Banner"
          data-testid="mindzie-execution-cancelled"
        >
          <strong>Cancelled.</strong> Cells that had run keep their results.
        </div>
      )}

      {failed.length ? (
        <Section
          title="Failed cells"
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
            title="Could not load the results"
            onRetry={loadResults}
          />
        ) : (
          <Spinner label="Loading the results…" />
        )
      ) : (
        <EmptyState testId="mindzie-results-pending">
          Results (plots, tables, enriched datasets, models and the report) show
          here when the run ends.
        </EmptyState>
      )}

      {terminal && cells}

      {terminal && execution.resources ? (
        <Section title="Resources" testId="mindzie-resources">
          <table className="jp-mindzie-KeyValue">
            <tbody>
              <tr>
                <th>Duration</th>
                <td>{execution.totalDuration ?? formatSeconds(elapsed)}</td>
              </tr>
              <tr>
                <th>Peak memory</th>
                <td>
                  {execution.resources.peakMemoryUsage ??
                    formatBytes(execution.resources.peakMemoryBytes)}
                </td>
              </tr>
              <tr>
                <th>CPU time</th>
                <td>
                  {execution.resources.cpuTime ??
                    formatSeconds(execution.resources.cpuTimeSeconds)}
                </td>
              </tr>
              <tr>
                <th>Disk (artifacts)</th>
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
 * "Queued (2nd in line)", "Running cell 3 of 7: cell-005", "7 of 7 cells: 6 succeeded, 1 failed".
 */
function phaseText(execution: IExecution): string {
  const p = execution.progress;
  const counts = `${p.completedCells} of ${p.totalCells} cells`;
  const outcome =
    p.successfulCells !== undefined
      ? ` · ${p.successfulCells} succeeded, ${p.failedCells ?? 0} failed`
      : '';
  switch (execution.phase) {
    case 'Queued':
      return execution.queuePosition
        ? `Queued: position ${execution.queuePosition}, waiting for a free slot`
        : 'Queued: waiting for a free slot';
    case 'Starting':
      return 'Starting a kernel…';
    case 'Executing':
      return `Running ${execution.currentCell ?? 'cells'} · ${counts} done${outcome}`;
    case 'Finishing':
      return `Saving results and the report · ${counts}${outcome}`;
    default:
      return `${execution.status} · ${counts}${outcome}`;
  }
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
  path: string | null;
  commands: CommandRegistry;
}): JSX.Element {
  const { cell, path, commands } = props;
  const status =
    props.current && cell.status === 'Pending' ? 'Running' : cell.status;
  return (
    <li
      className={`jp-mindzie-CellRow${props.current ? ' jp-mod-current' : ''}`}
      data-testid="mindzie-cell-row"
      data-cell-id={cell.cellId}
      data-status={status}
      data-error-type={cell.errorType ?? undefined}
      title={`${cell.cellId}: ${status}${cell.errorMessage ? ` (${cell.errorType}: ${cell.errorMessage})` : ''}`}
    >
      <span className={`jp-mindzie-CellRow-icon jp-mindzie-Cell-${status}`}>
        {CELL_ICONS[status] ?? CELL_ICONS.Pending}
      </span>
      <span className="jp-mindzie-CellRow-index">[{props.index + 1}]</span>
      {path ? (
        <button
          className="jp-mindzie-LinkButton jp-mindzie-CellRow-id"
          title="Show this cell in the notebook"
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
      <code className="jp-mindzie-CellRow-source">
        {firstLine(props.source, 60)}
      </code>
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
    path: string | null;
    traceback: IResultOutput | undefined;
  }
): JSX.Element {
  const { cell, path, commands, traceback } = props;
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
          Cell [{props.index + 1}] <code>{cell.cellId}</code>
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
            Go to cell
          </button>
        )}
      </div>
      <div
        className="jp-mindzie-FailedCell-error"
        data-testid="mindzie-failed-cell-error"
      >
        <strong>{cell.errorType ?? 'Error'}</strong>
        {cell.errorMessage ? `: ${cell.errorMessage}` : ''}
      </div>
      {props.source ? (
        <pre className="jp-mindzie-FailedCell-source">
          {lines.slice(0, 6).join('\n')}
          {lines.length > 6 ? '\n…' : ''}
        </pre>
      ) : null}
      {traceback && typeof traceback.content === 'string' ? (
        <>
          <button
            className="jp-mindzie-LinkButton"
            onClick={() => setShowTrace(!showTrace)}
          >
            {showTrace ? 'Hide the traceback' : 'Show the traceback'}
          </button>
          {showTrace && (
            <pre className="jp-mindzie-Traceback">{traceback.content}</pre>
          )}
        </>
      ) : null}
    </div>
  );
}
