/**
 * The run tab's picker: one tab follows a notebook's runs, and the run shown is chosen from
 * its latest runs (or opened in a tab of its own).
 */
import { CommandRegistry } from '@lumino/commands';
import { launchIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { CommandIDs } from '../commands';
import { formatDateTime } from '../format';
import { MindzieModel } from '../model';
import { IExecutionSummary, IProjectRef } from '../tokens';
import { IconButton, Select, statusLabel } from './common';

export function RunPicker(props: {
  ids: IProjectRef & { notebookId: string; executionId: string };
  model: MindzieModel;
  commands: CommandRegistry;
  onPick: (executionId: string) => void;
}): JSX.Element {
  const { ids, model, commands } = props;
  const { trans } = model;
  const [runs, setRuns] = React.useState<IExecutionSummary[]>([]);
  React.useEffect(() => {
    let live = true;
    model.service
      .listExecutions(ids, ids.notebookId, { pageSize: 20 })
      .then(list => {
        if (live) {
          setRuns(list.executions);
        }
      })
      .catch(() => {
        // Without the list the tab still shows its run.
      });
    return () => {
      live = false;
    };
  }, [ids.notebookId, ids.executionId]);
  const known = runs.some(run => run.executionId === ids.executionId);
  return (
    <div className="jp-mindzie-RunPicker" data-testid="mindzie-run-picker">
      <label
        className="jp-mindzie-RunPicker-label"
        htmlFor={`jp-mindzie-run-pick-${ids.notebookId}`}
      >
        {trans._p('run picker', 'Run')}
      </label>
      <Select
        id={`jp-mindzie-run-pick-${ids.notebookId}`}
        value={ids.executionId}
        data-testid="mindzie-run-select"
        onChange={event => props.onPick(event.target.value)}
      >
        {known ? null : (
          <option value={ids.executionId}>{ids.executionId}</option>
        )}
        {runs.map(run => (
          <option
            key={run.executionId}
            value={run.executionId}
            title={run.executionId}
          >
            {trans._p(
              'run choice: start, status',
              '%1 · %2',
              formatDateTime(run.startTime),
              statusLabel(run.status)
            )}
          </option>
        ))}
      </Select>
      <IconButton
        icon={launchIcon}
        title={trans.__('Open this run in a new tab')}
        testId="mindzie-run-new-tab"
        onClick={() =>
          void commands.execute(CommandIDs.openExecution, {
            ...ids,
            newTab: true
          })
        }
      />
    </div>
  );
}
