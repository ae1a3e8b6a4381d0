/**
 * Names instead of GUIDs: a tenant, project, notebook or dataset shows by its name, with its
 * id on hover and a button that copies it (people talk in names, scripts and paths in ids).
 */
import { Clipboard } from '@jupyterlab/apputils';
import { copyIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { formatLocale, shortId } from '../format';
import { IProjectSummary } from '../tokens';

/**
 * A project's name for people: its display name, else the first block of its id.
 */
export function projectLabel(
  project: Pick<IProjectSummary, 'projectId' | 'projectName'>
): string {
  return project.projectName?.trim() || shortId(project.projectId);
}

/**
 * A tenant's name for people: its display name, else the first block of its id.
 */
export function tenantLabel(
  project: Pick<IProjectSummary, 'tenantId' | 'tenantName'>
): string {
  return project.tenantName?.trim() || shortId(project.tenantId);
}

/**
 * A button that copies an id to the clipboard and says so.
 */
export function CopyId(props: {
  id: string;
  /**
   * What the button does, e.g. "Copy the project id".
   */
  label: string;
  testId?: string;
}): JSX.Element {
  const { trans } = formatLocale();
  const [copied, setCopied] = React.useState(false);
  React.useEffect(() => {
    if (!copied) {
      return;
    }
    const timer = window.setTimeout(() => setCopied(false), 1500);
    return () => window.clearTimeout(timer);
  }, [copied]);
  const title = trans._p(
    'copy button: what, id',
    '%1 (%2)',
    props.label,
    props.id
  );
  return (
    <button
      type="button"
      className="jp-mindzie-IconButton jp-mindzie-CopyId"
      title={title}
      aria-label={title}
      data-testid={props.testId}
      data-copied={copied}
      onClick={event => {
        event.stopPropagation();
        Clipboard.copyToSystem(props.id);
        setCopied(true);
      }}
    >
      <copyIcon.react tag="span" elementSize="normal" />
      <span className="jp-mindzie-VisuallyHidden" aria-live="polite">
        {copied ? trans.__('Copied') : ''}
      </span>
    </button>
  );
}

/**
 * A name with its id on hover (and, with `copyLabel`, a copy button for the id).
 */
export function Named(props: {
  name: string;
  id: string;
  /**
   * The hover text's first line, e.g. "Project"; the id follows.
   */
  kind: string;
  copyLabel?: string;
  testId?: string;
  className?: string;
}): JSX.Element {
  const { trans } = formatLocale();
  return (
    <span className={`jp-mindzie-Named ${props.className ?? ''}`}>
      <span
        className="jp-mindzie-Named-name"
        data-testid={props.testId}
        data-id={props.id}
        title={trans._p(
          'name on hover: kind, id',
          '%1 %2',
          props.kind,
          props.id
        )}
      >
        {props.name}
      </span>
      {props.copyLabel ? (
        <CopyId
          id={props.id}
          label={props.copyLabel}
          testId={props.testId ? `${props.testId}-copy` : undefined}
        />
      ) : null}
    </span>
  );
}
