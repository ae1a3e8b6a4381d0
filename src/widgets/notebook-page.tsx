/**
 * A notebook's page in the panel: its header, and the Run, Settings and History tabs.
 */
import {
  caretLeftIcon,
  deleteIcon,
  launchIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { CommandIDs } from '../commands';
import { DEFAULT_PRIORITY } from '../contract';
import { checkCron } from '../cron';
import {
  formatBytes,
  formatCount,
  formatDateTime,
  formatLocale,
  formatSeconds,
  formatValue,
  shortId,
  timeAgo
} from '../format';
import { DetailTab } from '../model';
import { IDataset, IExecutionSummary, INotebook } from '../tokens';
import {
  CompletedWithFailures,
  EmptyState,
  ErrorBox,
  IconButton,
  ProgressBar,
  Spinner,
  StatusBadge,
  Tabs,
  failedCellsOfCompleted,
  priorityText,
  statusLabel
} from './common';
import { IntegrationForm } from './integration-form';
import { CopyId } from './named';
import { IPanelProps } from './panel';
import { RunForm } from './run-form';

export function NotebookPage(props: IPanelProps): JSX.Element {
  const { model } = props;
  const { trans } = model;
  const loadable = model.notebook;
  const notebook = loadable.data;
  const history = model.history.data ?? [];
  const running = history.filter(
    row =>
      (model.watcher(row.executionId)?.execution?.status ?? row.status) ===
      'Running'
  );

  return (
    <div
      className="jp-mindzie-NotebookPage"
      data-testid="mindzie-notebook-page"
    >
      <div className="jp-mindzie-NotebookPage-nav">
        <button
          className="jp-mindzie-BackButton"
          data-testid="mindzie-back"
          onClick={() => void model.selectNotebook(null)}
        >
          <caretLeftIcon.react tag="span" />
          {trans.__('All notebooks')}
        </button>
        <div className="jp-mindzie-NotebookPage-navActions">
          {loadable.loading && <Spinner />}
          <IconButton
            icon={refreshIcon}
            title={trans.__('Reload this notebook')}
            onClick={() => void model.reloadNotebook()}
          />
        </div>
      </div>
      {loadable.error && !notebook ? (
        <div className="jp-mindzie-Padded">
          <ErrorBox
            error={loadable.error}
            onRetry={() => void model.reloadNotebook()}
          />
        </div>
      ) : null}
      {notebook ? (
        <>
          <NotebookHeader notebook={notebook} {...props} />
          {running.map(row => (
            <RunningBanner
              key={row.executionId}
              row={row}
              notebook={notebook}
              {...props}
            />
          ))}
          <Tabs<DetailTab>
            tabs={[
              { id: 'run', label: trans._p('notebook tab', 'Run') },
              {
                id: 'settings',
                label: trans._p('notebook tab', 'Settings')
              },
              {
                id: 'history',
                label: trans._p('notebook tab', 'History'),
                badge: model.historyTotal ? (
                  <span className="jp-mindzie-Tab-count">
                    {formatCount(model.historyTotal)}
                  </span>
                ) : undefined
              }
            ]}
            current={model.detailTab}
            onChange={tab => model.setDetailTab(tab)}
            panelId="jp-mindzie-notebook-tabpanel"
            label={trans.__('Run, settings and history')}
          />
          <div
            className="jp-mindzie-TabBody"
            role="tabpanel"
            id="jp-mindzie-notebook-tabpanel"
            aria-labelledby={`jp-mindzie-notebook-tabpanel-tab-${model.detailTab}`}
          >
            {model.detailTab === 'run' && (
              <RunForm
                key={notebook.notebookId}
                notebook={notebook}
                {...props}
              />
            )}
            {model.detailTab === 'settings' && (
              <IntegrationForm
                key={`${notebook.notebookId}:${notebook.notebookVersion}`}
                notebook={notebook}
                {...props}
              />
            )}
            {model.detailTab === 'history' && (
              <History notebook={notebook} {...props} />
            )}
          </div>
        </>
      ) : null}
      {!notebook && !loadable.error && (
        <div className="jp-mindzie-Padded">
          <Spinner label={trans.__('Loading the notebook…')} />
        </div>
      )}
    </div>
  );
}

function NotebookHeader(
  props: IPanelProps & { notebook: INotebook }
): JSX.Element {
  const { notebook, model, commands } = props;
  const { trans } = model;
  const binding = notebook.integration.datasetBinding;
  const dataset = model.datasets.data?.find(d => d.datasetId === binding);
  const codeCells = notebook.cells.filter(c => c.cellType === 'code').length;
  const runs = model.historyTotal ?? notebook.executionCount;
  // A row chosen with Enter or a click is gone: the keyboard lands on the notebook's name.
  const heading = React.useRef<HTMLHeadingElement>(null);
  React.useEffect(() => {
    const active = document.activeElement;
    if (!active || active === document.body) {
      heading.current?.focus();
    }
  }, [notebook.notebookId]);
  return (
    <div
      className="jp-mindzie-NotebookHeader"
      data-testid="mindzie-notebook-header"
    >
      <div className="jp-mindzie-NotebookHeader-title">
        <h3
          className="jp-mindzie-NotebookHeader-name"
          data-testid="mindzie-notebook-name"
          data-id={notebook.notebookId}
          tabIndex={-1}
          ref={heading}
          title={trans._p(
            'name on hover: kind, id',
            '%1 %2',
            trans.__('Notebook'),
            notebook.notebookId
          )}
        >
          {notebook.notebookName}
        </h3>
        <CopyId
          id={notebook.notebookId}
          label={trans.__('Copy the notebook id')}
          testId="mindzie-copy-notebook-id"
        />
        <StatusBadge status={notebook.status} />
      </div>
      {notebook.notebookDescription && (
        <div className="jp-mindzie-NotebookHeader-description">
          {notebook.notebookDescription}
        </div>
      )}
      <div className="jp-mindzie-NotebookHeader-meta">
        {trans._p(
          'notebook facts: version, kernel, code cells, runs',
          'v%1 · %2 · %3 · %4',
          notebook.notebookVersion,
          notebook.kernelType,
          trans._n(
            '%2 code cell',
            '%2 code cells',
            codeCells,
            formatCount(codeCells)
          ),
          trans._n('%2 run', '%2 runs', runs, formatCount(runs))
        )}
      </div>
      <div
        className="jp-mindzie-NotebookHeader-meta"
        data-testid="mindzie-notebook-dataset"
      >
        {trans.__('Dataset:')}{' '}
        {binding ? (
          dataset ? (
            <span title={binding}>{dataset.name}</span>
          ) : (
            <span title={binding}>
              {trans.__('%1… (not in this project)', shortId(binding))}
            </span>
          )
        ) : (
          <span className="jp-mindzie-Muted">{trans.__('none bound')}</span>
        )}
        {notebook.integration.autoExecution &&
        notebook.integration.scheduleExecution ? (
          <span data-testid="mindzie-notebook-schedule">
            {' · '}
            {trans.__(
              'scheduled: %1 (%2)',
              checkCron(
                notebook.integration.scheduleExecution,
                1,
                new Date(),
                notebook.integration.scheduleTimezone || 'UTC'
              ).description ?? notebook.integration.scheduleExecution,
              notebook.integration.scheduleTimezone || 'UTC'
            )}
          </span>
        ) : null}
      </div>
      <div className="jp-mindzie-NotebookHeader-actions">
        <button
          className="jp-mod-styled jp-mindzie-Button"
          data-testid="mindzie-open-in-lab"
          title={trans.__('Open %1 in the notebook editor', notebook.path)}
          onClick={() =>
            void commands.execute(CommandIDs.openNotebook, {
              path: notebook.path
            })
          }
        >
          <launchIcon.react tag="span" className="jp-mindzie-Button-icon" />
          {trans.__('Open')}
        </button>
        <button
          className="jp-mod-styled jp-mindzie-Button jp-mindzie-Button-danger"
          data-testid="mindzie-delete-current"
          onClick={() =>
            void commands.execute(CommandIDs.deleteNotebook, {
              notebookId: notebook.notebookId,
              notebookName: notebook.notebookName
            })
          }
        >
          <deleteIcon.react tag="span" className="jp-mindzie-Button-icon" />
          {trans.__('Delete')}
        </button>
      </div>
    </div>
  );
}

/**
 * A run in progress of this notebook, live.
 */
function RunningBanner(
  props: IPanelProps & { row: IExecutionSummary; notebook: INotebook }
): JSX.Element {
  const { row, model, commands, notebook } = props;
  const { trans } = model;
  const project = model.project!;
  const execution = model.watcher(row.executionId)?.execution ?? null;
  const percent =
    execution?.progress.percentComplete ?? row.progress.percentComplete;
  const phase = execution?.phase ?? row.phase;
  const args = {
    ...project,
    notebookId: notebook.notebookId,
    executionId: row.executionId,
    notebookName: notebook.notebookName
  };
  return (
    <div
      className="jp-mindzie-RunningBanner"
      data-testid="mindzie-running-banner"
    >
      <div className="jp-mindzie-RunningBanner-text" role="status">
        <strong>
          {statusLabel(phase === 'Queued' ? 'Queued' : 'Running')}
        </strong>
        {execution?.currentCell ? ` · ${execution.currentCell}` : ''}
        {execution?.queuePosition
          ? ` · ${trans.__('position %1 in the queue', formatCount(execution.queuePosition))}`
          : ''}
      </div>
      <ProgressBar percent={percent} status="Running" />
      <div className="jp-mindzie-RunningBanner-actions">
        <button
          className="jp-mindzie-LinkButton"
          onClick={() => void commands.execute(CommandIDs.openExecution, args)}
        >
          {trans.__('View')}
        </button>
        <button
          className="jp-mindzie-LinkButton"
          onClick={() =>
            void commands.execute(CommandIDs.cancelExecution, args)
          }
        >
          {trans.__('Cancel')}
        </button>
      </div>
    </div>
  );
}

/**
 * The notebook's executions, newest first, with durations and resources.
 */
function History(props: IPanelProps & { notebook: INotebook }): JSX.Element {
  const { model, commands, notebook } = props;
  const { trans } = model;
  const history = model.history;
  const project = model.project!;
  return (
    <div className="jp-mindzie-History" data-testid="mindzie-history">
      <div className="jp-mindzie-History-toolbar">
        <span className="jp-mindzie-Muted">
          {model.historyTotal !== null
            ? trans._n(
                '%2 run',
                '%2 runs',
                model.historyTotal,
                formatCount(model.historyTotal)
              )
            : ''}
        </span>
        {history.loading && <Spinner />}
        <IconButton
          icon={refreshIcon}
          title={trans.__('Reload the history')}
          onClick={() => void model.refreshHistory()}
        />
      </div>
      {history.error ? (
        <ErrorBox
          error={history.error}
          onRetry={() => void model.refreshHistory()}
        />
      ) : null}
      {history.data && !history.data.length ? (
        <EmptyState testId="mindzie-history-empty">
          {trans.__(
            'Not run yet. Runs show here with their duration and resources.'
          )}
        </EmptyState>
      ) : null}
      <ul className="jp-mindzie-List">
        {(history.data ?? []).map(row => {
          const live = model.watcher(row.executionId)?.execution;
          const status = live?.status ?? row.status;
          const progress = live?.progress ?? row.progress;
          const percent = progress.percentComplete;
          const seconds =
            live?.totalDurationSeconds ?? row.totalDurationSeconds;
          const memory =
            live?.resources?.peakMemoryBytes ?? row.peakMemoryBytes;
          const cpu = live?.resources?.cpuTimeSeconds ?? row.cpuTimeSeconds;
          const params = Object.entries(row.parameters ?? {});
          const open = () =>
            void commands.execute(CommandIDs.openExecution, {
              ...project,
              notebookId: notebook.notebookId,
              executionId: row.executionId,
              notebookName: notebook.notebookName
            });
          return (
            <li
              key={row.executionId}
              className="jp-mindzie-ListItem jp-mindzie-HistoryItem"
              data-testid="mindzie-history-item"
              data-status={status}
              data-execution-id={row.executionId}
              role="button"
              tabIndex={0}
              title={trans.__(
                'Execution %1\nStarted %2',
                row.executionId,
                formatDateTime(row.startTime)
              )}
              onClick={open}
              onKeyDown={event => {
                if (
                  event.target === event.currentTarget &&
                  (event.key === 'Enter' || event.key === ' ')
                ) {
                  event.preventDefault();
                  open();
                }
              }}
            >
              <div className="jp-mindzie-ListItem-body">
                <div className="jp-mindzie-ListItem-title">
                  <span className="jp-mindzie-ListItem-name">
                    {timeAgo(row.startTime)}
                  </span>
                  {failedCellsOfCompleted({ status, progress }) > 0 ? (
                    <CompletedWithFailures
                      failed={failedCellsOfCompleted({ status, progress })}
                      total={progress.totalCells}
                      onFirstFailure={() =>
                        void showFirstFailure(props, row.executionId)
                      }
                    />
                  ) : (
                    <StatusBadge status={status} />
                  )}
                </div>
                {status === 'Running' ? (
                  <ProgressBar percent={percent} status="Running" />
                ) : (
                  <div
                    className="jp-mindzie-ListItem-meta"
                    data-testid="mindzie-history-stats"
                  >
                    {trans._p(
                      'run stats: duration, peak memory, CPU time',
                      '%1 · peak %2 · CPU %3',
                      formatSeconds(seconds),
                      formatBytes(memory),
                      formatSeconds(cpu)
                    )}
                    {row.errorType ? ` · ${row.errorType}` : ''}
                  </div>
                )}
                {params.length ? (
                  <div className="jp-mindzie-ListItem-meta jp-mindzie-Params">
                    {params.map(([name, value]) => (
                      <code key={name} className="jp-mindzie-Chip">
                        {name}={paramText(name, value, model.datasets.data)}
                      </code>
                    ))}
                  </div>
                ) : null}
                <div className="jp-mindzie-ListItem-meta jp-mindzie-Muted">
                  {trans._p(
                    'run facts: priority, notebook version, who started it',
                    '%1 · v%2 · %3',
                    priorityText(row.priority ?? DEFAULT_PRIORITY),
                    row.notebookVersion ?? '?',
                    sourceLabel(row.source)
                  )}
                </div>
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/**
 * Select a run's first failed cell in the notebook editor (the run view when it has none).
 */
async function showFirstFailure(
  props: IPanelProps & { notebook: INotebook },
  executionId: string
): Promise<void> {
  const { model, commands, notebook } = props;
  const project = model.project;
  if (!project) {
    return;
  }
  const args = {
    ...project,
    notebookId: notebook.notebookId,
    executionId,
    notebookName: notebook.notebookName
  };
  try {
    const execution = await model.service.getExecution(
      project,
      notebook.notebookId,
      executionId
    );
    const first = (execution.cellResults ?? []).find(
      cell => cell.status === 'Error' && cell.errorType !== 'Cancelled'
    );
    if (first) {
      await commands.execute(CommandIDs.goToCell, {
        path: notebook.path,
        cellId: first.cellId
      });
      return;
    }
  } catch {
    // The run view says what went wrong with the request.
  }
  await commands.execute(CommandIDs.openExecution, args);
}

/**
 * Who started a run, as people read it ("scheduled"); other sources show as they are.
 */
function sourceLabel(source: string | null): string {
  const { trans } = formatLocale();
  switch (source ?? 'api') {
    case 'schedule':
      return trans._p('run source', 'scheduled');
    case 'api':
      return trans._p('run source', 'API');
    case 'panel':
      return trans._p('run source', 'panel');
    case 'cli':
      return trans._p('run source', 'command line');
    default:
      return source ?? '';
  }
}

/**
 * A parameter's value for a chip; a dataset id shows as its dataset's name.
 */
export function paramText(
  name: string,
  value: unknown,
  datasets: IDataset[] | null
): string {
  if (name === 'dataset_id' && typeof value === 'string') {
    const dataset = datasets?.find(d => d.datasetId === value.toLowerCase());
    if (dataset) {
      return dataset.name;
    }
  }
  return formatValue(value);
}
