/**
 * The project's notebooks: status badges, filters, paging; open, run or delete one.
 */
import {
  addIcon,
  caretLeftIcon,
  caretRightIcon,
  deleteIcon,
  fileUploadIcon,
  launchIcon,
  notebookIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { CommandIDs } from '../commands';
import { NOTEBOOK_STATUSES } from '../contract';
import { formatCount, formatLocale, timeAgo } from '../format';
import { INotebookListItem, NotebookStatus } from '../tokens';
import {
  EmptyState,
  ErrorBox,
  IconButton,
  Section,
  Select,
  Spinner,
  StatusBadge,
  statusLabel
} from './common';
import { IPanelProps } from './panel';

export function NotebookList(props: IPanelProps): JSX.Element {
  const { model, commands } = props;
  const { trans } = model;
  const list = model.notebooks;
  const query = model.query;
  const data = list.data;
  const filtered =
    query.status !== undefined ||
    query.enrichmentMode !== undefined ||
    !!query.kernelType;

  return (
    <Section
      title={trans.__('Notebooks')}
      count={data?.totalCount}
      testId="mindzie-notebooks"
      actions={
        <>
          {list.loading && <Spinner />}
          <IconButton
            icon={addIcon}
            title={trans.__('New notebook…')}
            testId="mindzie-create-notebook"
            onClick={() => void commands.execute(CommandIDs.createNotebook)}
          />
          <IconButton
            icon={fileUploadIcon}
            title={trans.__('Upload a notebook (.ipynb)…')}
            testId="mindzie-upload-notebook"
            onClick={() => void commands.execute(CommandIDs.uploadNotebook)}
          />
        </>
      }
    >
      <div
        className="jp-mindzie-Filters"
        data-testid="mindzie-notebook-filters"
      >
        <Select
          aria-label={trans.__('Filter by status')}
          data-testid="mindzie-filter-status"
          value={query.status ?? ''}
          onChange={event =>
            void model.setQuery({
              status: (event.target.value || undefined) as
                NotebookStatus | undefined,
              page: 1
            })
          }
        >
          <option value="">{trans.__('Any status')}</option>
          {NOTEBOOK_STATUSES.map(status => (
            <option key={status} value={status}>
              {statusLabel(status)}
            </option>
          ))}
        </Select>
        <Select
          aria-label={trans.__('Filter by enrichment mode')}
          data-testid="mindzie-filter-enrichment"
          value={
            query.enrichmentMode === undefined
              ? ''
              : String(query.enrichmentMode)
          }
          onChange={event =>
            void model.setQuery({
              enrichmentMode:
                event.target.value === ''
                  ? undefined
                  : event.target.value === 'true',
              page: 1
            })
          }
        >
          <option value="">{trans.__('Any enrichment')}</option>
          <option value="true">{trans.__('Enrichment on')}</option>
          <option value="false">{trans.__('Enrichment off')}</option>
        </Select>
      </div>
      {list.error ? (
        <div className="jp-mindzie-Padded">
          <ErrorBox
            error={list.error}
            onRetry={() => void model.refreshNotebooks()}
          />
        </div>
      ) : null}
      {data && !data.notebooks.length && !list.error ? (
        filtered ? (
          <EmptyState
            testId="mindzie-notebooks-empty"
            action={
              <button
                className="jp-mindzie-LinkButton"
                onClick={() =>
                  void model.setQuery({
                    status: undefined,
                    enrichmentMode: undefined,
                    kernelType: undefined,
                    page: 1
                  })
                }
              >
                {trans.__('Clear the filters')}
              </button>
            }
          >
            {trans.__('No notebook matches these filters.')}
          </EmptyState>
        ) : (
          <EmptyState
            testId="mindzie-notebooks-empty"
            action={
              <button
                className="jp-mod-styled jp-mod-accept jp-mindzie-Button"
                onClick={() => void commands.execute(CommandIDs.createNotebook)}
              >
                {trans.__('New notebook…')}
              </button>
            }
          >
            {trans.__(
              'No notebooks in this project yet. Start from the process-mining starter, or upload one.'
            )}
          </EmptyState>
        )
      ) : null}
      {data && data.notebooks.length ? (
        <ul className="jp-mindzie-List" data-testid="mindzie-notebook-list">
          {data.notebooks.map(item => (
            <NotebookRow key={item.notebookId} item={item} {...props} />
          ))}
        </ul>
      ) : null}
      {data && (data.page > 1 || data.hasNextPage) ? (
        <Pager
          page={data.page}
          pageSize={data.pageSize}
          total={data.totalCount}
          hasNext={data.hasNextPage}
          onPage={page => void model.setQuery({ page })}
        />
      ) : null}
    </Section>
  );
}

function NotebookRow(
  props: IPanelProps & { item: INotebookListItem }
): JSX.Element {
  const { item, model, commands } = props;
  const { trans } = model;
  const select = () => void model.selectNotebook(item.notebookId, 'run');
  return (
    <li
      className="jp-mindzie-ListItem jp-mindzie-NotebookItem"
      data-testid="mindzie-notebook-item"
      data-notebook-id={item.notebookId}
      data-status={item.status}
    >
      <button
        type="button"
        className="jp-mindzie-ListItem-main"
        data-testid="mindzie-notebook-select"
        title={trans.__(
          'Show “%1”: run, settings and history\n%2',
          item.notebookName,
          item.path ?? ''
        )}
        onClick={select}
      >
        <notebookIcon.react tag="span" className="jp-mindzie-ListItem-icon" />
        <span className="jp-mindzie-ListItem-body">
          <span className="jp-mindzie-ListItem-title">
            <span className="jp-mindzie-ListItem-name">
              {item.notebookName}
            </span>
            <StatusBadge status={item.status} />
          </span>
          <span
            className="jp-mindzie-ListItem-meta jp-mindzie-Facts"
            data-testid="mindzie-notebook-facts"
          >
            <span className="jp-mindzie-Fact">{item.kernelType}</span>
            <span className="jp-mindzie-Fact">
              {trans._n(
                '%2 cell',
                '%2 cells',
                item.cellCount,
                formatCount(item.cellCount)
              )}
            </span>
            <span className="jp-mindzie-Fact">
              {item.lastExecutionDate
                ? trans.__('ran %1', timeAgo(item.lastExecutionDate))
                : trans.__('never run')}
            </span>
            {item.enrichmentMode ? (
              <span className="jp-mindzie-Fact jp-mindzie-ListItem-tag">
                {trans.__('enrichment')}
              </span>
            ) : null}
          </span>
        </span>
      </button>
      <div className="jp-mindzie-ListItem-actions">
        {item.path && (
          <IconButton
            icon={launchIcon}
            title={trans.__('Open “%1” in JupyterLab', item.notebookName)}
            testId="mindzie-open-notebook"
            onClick={() =>
              void commands.execute(CommandIDs.openNotebook, {
                path: item.path!
              })
            }
          />
        )}
        <IconButton
          icon={deleteIcon}
          title={trans.__('Delete “%1”…', item.notebookName)}
          testId="mindzie-delete-notebook"
          onClick={() =>
            void commands.execute(CommandIDs.deleteNotebook, {
              notebookId: item.notebookId,
              notebookName: item.notebookName
            })
          }
        />
      </div>
    </li>
  );
}

/**
 * "21–40 of 45" with previous and next.
 */
export function Pager(props: {
  page: number;
  pageSize: number;
  total: number;
  hasNext: boolean;
  onPage: (page: number) => void;
}): JSX.Element {
  const first = (props.page - 1) * props.pageSize + 1;
  const last = Math.min(props.total, props.page * props.pageSize);
  const { trans } = formatLocale();
  return (
    <div className="jp-mindzie-Pager" data-testid="mindzie-pager">
      <IconButton
        icon={caretLeftIcon}
        title={trans.__('Previous page')}
        disabled={props.page <= 1}
        testId="mindzie-page-previous"
        onClick={() => props.onPage(props.page - 1)}
      />
      <span className="jp-mindzie-Pager-text">
        {trans.__('%1–%2 of %3', first, last, props.total)}
      </span>
      <IconButton
        icon={caretRightIcon}
        title={trans.__('Next page')}
        disabled={!props.hasNext}
        testId="mindzie-page-next"
        onClick={() => props.onPage(props.page + 1)}
      />
    </div>
  );
}
