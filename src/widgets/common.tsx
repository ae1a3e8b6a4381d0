/**
 * Small React parts shared by the panel and the execution tab: badges, progress, errors.
 */
import {
  HTMLSelect,
  LabIcon,
  caretDownIcon,
  caretRightIcon
} from '@jupyterlab/ui-components';
import { ISignal } from '@lumino/signaling';
import * as React from 'react';

import { formatCount, formatLocale } from '../format';
import { MindzieRequestError, errorMessage } from '../request';

/**
 * A status as people read it ("実行中" for `Running`); the value itself never changes.
 */
export function statusLabel(status: string): string {
  const { trans } = formatLocale();
  const labels: Record<string, string> = {
    Ready: trans._p('notebook status', 'Ready'),
    Running: trans._p('status', 'Running'),
    Error: trans._p('status', 'Error'),
    Kernel_Dead: trans._p('notebook status', 'Kernel dead'),
    Completed: trans._p('status', 'Completed'),
    Cancelled: trans._p('status', 'Cancelled'),
    Queued: trans._p('execution phase', 'Queued'),
    Starting: trans._p('execution phase', 'Starting'),
    Executing: trans._p('execution phase', 'Executing'),
    Finishing: trans._p('execution phase', 'Finishing'),
    Success: trans._p('cell status', 'Success'),
    Skipped: trans._p('cell status', 'Skipped'),
    Pending: trans._p('cell status', 'Pending'),
    Unknown: trans._p('status', 'Unknown')
  };
  return labels[status] ?? status.replace('_', ' ');
}

/**
 * A priority as people read it ("高"); the value itself never changes.
 */
export function priorityLabel(priority: string): string {
  const { trans } = formatLocale();
  const labels: Record<string, string> = {
    High: trans._p('priority', 'High'),
    Normal: trans._p('priority', 'Normal'),
    Low: trans._p('priority', 'Low')
  };
  return labels[priority] ?? priority;
}

/**
 * "High priority" for a run's priority.
 */
export function priorityText(priority: string): string {
  const { trans } = formatLocale();
  return trans.__('%1 priority', priorityLabel(priority));
}

/**
 * Two facts side by side ("Completed · 7 of 7 cells"); each is a whole phrase of its own.
 */
export function joinFacts(first: string, second: string): string {
  const { trans } = formatLocale();
  return trans._p('two facts side by side', '%1 · %2', first, second);
}

/**
 * Re-render the component whenever `signal` fires.
 */
export function useSignal(signal: ISignal<unknown, unknown> | null): void {
  const [, setTick] = React.useState(0);
  React.useEffect(() => {
    if (!signal) {
      return;
    }
    const slot = () => setTick(tick => tick + 1);
    signal.connect(slot);
    return () => {
      signal.disconnect(slot);
    };
  }, [signal]);
}

/**
 * A coloured pill for a notebook, execution or cell state.
 */
export function StatusBadge(props: {
  status: string;
  label?: string;
  title?: string;
}): JSX.Element {
  const status = props.status || 'Unknown';
  const label = statusLabel(status);
  return (
    <span
      className={`jp-mindzie-Badge jp-mindzie-Badge-${status.replace(/[^A-Za-z_]/g, '')}`}
      data-status={status}
      title={props.title ?? label}
    >
      {props.label ?? label}
    </span>
  );
}

/**
 * How many cells failed in a run that still ended `Completed` (0 for any other run): the API
 * keeps the vendor's status, the panel must not let it pass for a success.
 */
export function failedCellsOfCompleted(run: {
  status: string;
  progress: { failedCells?: number | null };
}): number {
  return run.status === 'Completed' ? (run.progress.failedCells ?? 0) : 0;
}

/**
 * A completed run whose cells failed: "Completed · 9 of 10 cells failed" in the warning
 * colour, and a link to its first failure.
 */
export function CompletedWithFailures(props: {
  failed: number;
  total: number;
  onFirstFailure?: () => void;
}): JSX.Element {
  const { trans } = formatLocale();
  const text = trans._n(
    'Completed · %2 of %3 cell failed',
    'Completed · %2 of %3 cells failed',
    props.total,
    formatCount(props.failed),
    formatCount(props.total)
  );
  return (
    <span
      className="jp-mindzie-Outcome jp-mod-warn"
      data-testid="mindzie-completed-with-failures"
    >
      <span
        className="jp-mindzie-Badge jp-mindzie-Badge-CompletedWithErrors"
        data-status="Completed"
        title={text}
      >
        {text}
      </span>
      {props.onFirstFailure && (
        <button
          type="button"
          className="jp-mindzie-LinkButton jp-mindzie-Outcome-link"
          data-testid="mindzie-first-failure"
          title={trans.__('Select the first failed cell in the notebook')}
          onClick={event => {
            event.stopPropagation();
            props.onFirstFailure?.();
          }}
        >
          {trans.__('Show the first failure')}
        </button>
      )}
    </span>
  );
}

/**
 * A determinate progress bar with its percentage.
 */
export function ProgressBar(props: {
  percent: number;
  status?: string;
  label?: string;
}): JSX.Element {
  const percent = Math.max(0, Math.min(100, Math.round(props.percent)));
  const { trans, language } = formatLocale();
  return (
    <div
      className="jp-mindzie-Progress"
      data-status={props.status}
      data-percent={percent}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-label={props.label ?? trans.__('Progress')}
    >
      <div className="jp-mindzie-Progress-track">
        <div
          className="jp-mindzie-Progress-fill"
          style={{ width: `${percent}%` }}
        />
      </div>
      <span className="jp-mindzie-Progress-text">
        {new Intl.NumberFormat(language, {
          style: 'percent'
        }).format(percent / 100)}
      </span>
    </div>
  );
}

/**
 * A failed request: the problem's title and message, the invalid fields, and a retry.
 */
export function ErrorBox(props: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
  compact?: boolean;
}): JSX.Element {
  const { error } = props;
  const { trans } = formatLocale();
  const problem = error instanceof MindzieRequestError ? error.problem : null;
  const title =
    props.title ??
    (error instanceof MindzieRequestError
      ? trans._p(
          'HTTP status and problem title',
          '%1 %2',
          error.status,
          problem?.title ?? trans.__('Error')
        )
      : trans.__('Cannot reach the mindzie server'));
  const fields = problem?.errors ?? [];
  return (
    <div
      className={`jp-mindzie-Error${props.compact ? ' jp-mod-compact' : ''}`}
      data-status="error"
      role="alert"
    >
      <div className="jp-mindzie-Error-title">{title}</div>
      <div className="jp-mindzie-Error-message">{errorMessage(error)}</div>
      {fields.length > 1 && (
        <ul className="jp-mindzie-Error-fields">
          {fields.map(field => (
            <li key={field.field}>
              <code>{field.field}</code>: {field.message}
            </li>
          ))}
        </ul>
      )}
      {props.onRetry && (
        <button
          className="jp-mindzie-LinkButton"
          onClick={() => props.onRetry?.()}
        >
          {trans.__('Try again')}
        </button>
      )}
    </div>
  );
}

/**
 * A quiet line for "nothing here yet", with an optional action.
 */
export function EmptyState(props: {
  children: React.ReactNode;
  action?: React.ReactNode;
  testId?: string;
}): JSX.Element {
  return (
    <div className="jp-mindzie-Empty" data-testid={props.testId}>
      <div>{props.children}</div>
      {props.action && (
        <div className="jp-mindzie-Empty-action">{props.action}</div>
      )}
    </div>
  );
}

/**
 * A section with a Lab-style title bar that folds its body; actions sit at the right.
 */
export function Section(props: {
  title: string;
  count?: number | null;
  actions?: React.ReactNode;
  children: React.ReactNode;
  testId?: string;
  defaultOpen?: boolean;
  className?: string;
}): JSX.Element {
  const [open, setOpen] = React.useState(props.defaultOpen ?? true);
  const Caret = open ? caretDownIcon : caretRightIcon;
  return (
    <section
      className={`jp-mindzie-Section ${props.className ?? ''}`}
      data-testid={props.testId}
      data-open={open}
    >
      <header className="jp-mindzie-Section-header">
        <button
          className="jp-mindzie-Section-toggle"
          aria-expanded={open}
          onClick={() => setOpen(!open)}
        >
          <Caret.react tag="span" className="jp-mindzie-Section-caret" />
          <span className="jp-mindzie-Section-title">{props.title}</span>
          {props.count !== undefined && props.count !== null && (
            <span className="jp-mindzie-Section-count">{props.count}</span>
          )}
        </button>
        <div className="jp-mindzie-Section-actions">{props.actions}</div>
      </header>
      {open && <div className="jp-mindzie-Section-body">{props.children}</div>}
    </section>
  );
}

/**
 * A small icon button for lists and section headers.
 */
export function IconButton(props: {
  icon: LabIcon;
  title: string;
  onClick: (event: React.MouseEvent) => void;
  disabled?: boolean;
  testId?: string;
  className?: string;
}): JSX.Element {
  return (
    <button
      className={`jp-mindzie-IconButton ${props.className ?? ''}`}
      title={props.title}
      aria-label={props.title}
      disabled={props.disabled}
      data-testid={props.testId}
      onClick={event => {
        event.stopPropagation();
        props.onClick(event);
      }}
    >
      <props.icon.react tag="span" elementSize="normal" />
    </button>
  );
}

/**
 * A row of tabs (Lab's look) that switch the view below them: arrow keys, Home and End move
 * between them (one tab stop for the row), and `panelId` names the tabpanel they control.
 */
export function Tabs<T extends string>(props: {
  tabs: Array<{ id: T; label: string; badge?: React.ReactNode }>;
  current: T;
  onChange: (id: T) => void;
  panelId?: string;
  label?: string;
}): JSX.Element {
  const refs = React.useRef<Record<string, HTMLButtonElement | null>>({});
  const move = (event: React.KeyboardEvent, index: number) => {
    const count = props.tabs.length;
    const next =
      event.key === 'ArrowRight'
        ? (index + 1) % count
        : event.key === 'ArrowLeft'
          ? (index - 1 + count) % count
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? count - 1
              : -1;
    if (next < 0) {
      return;
    }
    event.preventDefault();
    const tab = props.tabs[next];
    props.onChange(tab.id);
    refs.current[tab.id]?.focus();
  };
  return (
    <div className="jp-mindzie-Tabs" role="tablist" aria-label={props.label}>
      {props.tabs.map((tab, index) => {
        const current = tab.id === props.current;
        return (
          <button
            key={tab.id}
            ref={node => {
              refs.current[tab.id] = node;
            }}
            type="button"
            role="tab"
            id={props.panelId ? `${props.panelId}-tab-${tab.id}` : undefined}
            aria-selected={current}
            aria-controls={current ? props.panelId : undefined}
            tabIndex={current ? 0 : -1}
            className={`jp-mindzie-Tab${current ? ' jp-mod-current' : ''}`}
            data-testid={`mindzie-tab-${tab.id}`}
            onClick={() => props.onChange(tab.id)}
            onKeyDown={event => move(event, index)}
          >
            {tab.label}
            {tab.badge}
          </button>
        );
      })}
    </div>
  );
}

/**
 * A spinning indicator for work in progress.
 */
export function Spinner(props: { label?: string }): JSX.Element {
  const { trans } = formatLocale();
  return (
    <span
      className="jp-mindzie-Spinner"
      role="status"
      aria-label={props.label ?? trans.__('Loading')}
    >
      <span className="jp-mindzie-Spinner-dot" />
      {props.label && (
        <span className="jp-mindzie-Spinner-label">{props.label}</span>
      )}
    </span>
  );
}

/**
 * Lab's styled select (with its caret), full width unless styled otherwise.
 */
export function Select(
  props: React.SelectHTMLAttributes<HTMLSelectElement> & {
    'data-testid'?: string;
    children?: React.ReactNode;
  }
): JSX.Element {
  const { className, children, ...rest } = props;
  return (
    <HTMLSelect
      className={`jp-mindzie-Select ${className ?? ''}`}
      iconProps={{ top: '6px', right: '6px' }}
      {...rest}
    >
      {children}
    </HTMLSelect>
  );
}
