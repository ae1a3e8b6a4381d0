/**
 * A notebook's History tab: its runs, newest first (each row one button that opens the run, its
 * actions beside it, as the notebook rows are), then its versions with who made them.
 */
import { refreshIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { CommandIDs } from '../commands';
import { DEFAULT_PRIORITY } from '../contract';
import {
  formatBytes,
  formatCount,
  formatDateTime,
  formatLocale,
  formatSeconds,
  formatValue,
  timeAgo
} from '../format';
import {
  IDataset,
  IExecutionSummary,
  INotebook,
  INotebookVersion
} from '../tokens';
import {
  CompletedWithFailures,
  EmptyState,
  ErrorBox,
  IconButton,
  ProgressBar,
  Spinner,
  StatusBadge,
  failedCellsOfCompleted,
  priorityText
} from './common';
import { IPanelProps } from './panel';

/**
 * The notebook's executions, newest first, with durations and resources; then its versions.
 */
export function History(
  props: IPanelProps & { notebook: INotebook }
): JSX.Element {
  const { model } = props;
  const { trans } = model;
  const history = model.history;
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
      <ul className="jp-mindzie-List" aria-label={trans.__('Runs')}>
        {(history.data ?? []).map(row => (
          <HistoryRow key={row.executionId} {...props} row={row} />
        ))}
      </ul>
      <Versions {...props} />
    </div>
  );
}

/**
 * One run: a button that opens it, and beside it the way to its first failed cell.
 */
function HistoryRow(
  props: IPanelProps & { notebook: INotebook; row: IExecutionSummary }
): JSX.Element {
  const { model, commands, notebook, row } = props;
  const { trans } = model;
  const project = model.project!;
  const live = model.watcher(row.executionId)?.execution;
  const status = live?.status ?? row.status;
  const progress = live?.progress ?? row.progress;
  const seconds = live?.totalDurationSeconds ?? row.totalDurationSeconds;
  const memory = live?.resources?.peakMemoryBytes ?? row.peakMemoryBytes;
  const cpu = live?.resources?.cpuTimeSeconds ?? row.cpuTimeSeconds;
  const params = Object.entries(row.parameters ?? {});
  const failed = failedCellsOfCompleted({ status, progress });
  const open = () =>
    void commands.execute(CommandIDs.openExecution, {
      ...project,
      notebookId: notebook.notebookId,
      executionId: row.executionId,
      notebookName: notebook.notebookName
    });
  return (
    <li
      className="jp-mindzie-ListItem jp-mindzie-HistoryItem"
      data-testid="mindzie-history-item"
      data-status={status}
      data-execution-id={row.executionId}
    >
      <button
        type="button"
        className="jp-mindzie-ListItem-main"
        data-testid="mindzie-history-open"
        title={trans.__(
          'Open the run of %1\nExecution %2',
          formatDateTime(row.startTime),
          row.executionId
        )}
        onClick={open}
      >
        <span className="jp-mindzie-ListItem-body">
          <span className="jp-mindzie-ListItem-title">
            <span className="jp-mindzie-ListItem-name">
              {timeAgo(row.startTime)}
            </span>
            {failed > 0 ? (
              <CompletedWithFailures
                failed={failed}
                total={progress.totalCells}
              />
            ) : (
              <StatusBadge status={status} />
            )}
          </span>
          {status === 'Running' ? (
            <ProgressBar percent={progress.percentComplete} status="Running" />
          ) : (
            <span
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
            </span>
          )}
          {params.length ? (
            <span className="jp-mindzie-ListItem-meta jp-mindzie-Params">
              {params.map(([name, value]) => (
                <code key={name} className="jp-mindzie-Chip">
                  {name}={paramText(name, value, model.datasets.data)}
                </code>
              ))}
            </span>
          ) : null}
          <span className="jp-mindzie-ListItem-meta jp-mindzie-Muted">
            {trans._p(
              'run facts: priority, notebook version, who started it',
              '%1 · v%2 · %3',
              priorityText(row.priority ?? DEFAULT_PRIORITY),
              row.notebookVersion ?? '?',
              sourceLabel(row.source)
            )}
          </span>
        </span>
      </button>
      {failed > 0 ? (
        <div className="jp-mindzie-ListItem-actions jp-mod-shown">
          <button
            type="button"
            className="jp-mindzie-LinkButton"
            data-testid="mindzie-first-failure"
            title={trans.__(
              'Select the first failed cell of the run of %1 in the notebook',
              formatDateTime(row.startTime)
            )}
            onClick={() => void showFirstFailure(props, row.executionId)}
          >
            {trans.__('Show the first failure')}
          </button>
        </div>
      ) : null}
    </li>
  );
}

/**
 * The notebook's versions, newest first: which, what changed, who made it (the name the
 * server's IdentityProvider gives), and when. Read again whenever the notebook's version moves.
 */
function Versions(props: IPanelProps & { notebook: INotebook }): JSX.Element {
  const { model, notebook } = props;
  const { trans } = model;
  const project = model.project;
  const [state, setState] = React.useState<{
    versions: INotebookVersion[] | null;
    total: number;
    error: unknown;
    loading: boolean;
  }>({ versions: null, total: 0, error: null, loading: false });
  const [reload, setReload] = React.useState(0);
  React.useEffect(() => {
    if (!project) {
      return;
    }
    let current = true;
    setState(s => ({ ...s, loading: true }));
    model.service
      .listVersions(project, notebook.notebookId, { pageSize: 10 })
      .then(list => {
        if (current) {
          setState({
            versions: list.versions,
            total: list.totalCount,
            error: null,
            loading: false
          });
        }
      })
      .catch(error => {
        if (current) {
          setState(s => ({ ...s, error, loading: false }));
        }
      });
    return () => {
      current = false;
    };
  }, [
    project?.tenantId,
    project?.projectId,
    notebook.notebookId,
    notebook.notebookVersion,
    reload
  ]);
  return (
    <section
      className="jp-mindzie-Versions"
      data-testid="mindzie-versions"
      aria-labelledby="jp-mindzie-versions-heading"
    >
      <div className="jp-mindzie-History-toolbar">
        <h3
          id="jp-mindzie-versions-heading"
          className="jp-mindzie-Versions-heading"
        >
          {trans.__('Versions')}
        </h3>
        <span className="jp-mindzie-Muted">
          {state.versions && state.total > state.versions.length
            ? trans.__(
                'the last %1 of %2',
                formatCount(state.versions.length),
                formatCount(state.total)
              )
            : ''}
        </span>
        {state.loading && <Spinner />}
      </div>
      {state.error ? (
        <ErrorBox error={state.error} onRetry={() => setReload(n => n + 1)} />
      ) : null}
      <ul
        className="jp-mindzie-List"
        aria-labelledby="jp-mindzie-versions-heading"
      >
        {(state.versions ?? []).map(version => (
          <li
            key={version.version}
            className="jp-mindzie-ListItem jp-mindzie-VersionItem"
            data-testid="mindzie-version-item"
            data-version={version.version}
          >
            <span className="jp-mindzie-ListItem-body">
              <span className="jp-mindzie-ListItem-title">
                <span className="jp-mindzie-ListItem-name">
                  {trans._p('notebook version', 'v%1', version.version)}
                </span>
                <span className="jp-mindzie-Muted">
                  {changeLabel(version.change)}
                </span>
              </span>
              <span
                className="jp-mindzie-ListItem-meta jp-mindzie-Facts"
                data-testid="mindzie-version-facts"
                title={formatDateTime(version.dateCreated)}
              >
                {version.createdBy ? (
                  <span
                    className="jp-mindzie-Fact"
                    data-testid="mindzie-version-author"
                  >
                    {version.createdBy}
                  </span>
                ) : null}
                <span className="jp-mindzie-Fact">
                  {timeAgo(version.dateCreated)}
                </span>
              </span>
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * What made a version, as people read it; a change the panel does not know shows as it is.
 */
function changeLabel(change: string): string {
  const { trans } = formatLocale();
  switch (change) {
    case 'created':
      return trans._p('version change', 'created');
    case 'uploaded':
      return trans._p('version change', 'uploaded');
    case 'cells':
      return trans._p('version change', 'cells changed');
    case 'settings':
      return trans._p('version change', 'settings changed');
    case 'file-edit':
      return trans._p('version change', 'edited in JupyterLab');
    default:
      return change;
  }
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
