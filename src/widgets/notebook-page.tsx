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
import { checkCron } from '../cron';
import { formatCount, shortId } from '../format';
import { DetailTab } from '../model';
import { IExecutionSummary, INotebook } from '../tokens';
import {
  ErrorBox,
  IconButton,
  ProgressBar,
  Spinner,
  StatusBadge,
  Tabs,
  statusLabel
} from './common';
import { History } from './history';
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
