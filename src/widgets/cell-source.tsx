/**
 * A failed cell's code around the line that failed (found in its traceback), not just its
 * first lines: the analyst sees the failing line in its context, marked.
 */
import * as React from 'react';

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/**
 * The 1-based line of the cell that raised, from IPython's traceback ("----> 2 rate = …"),
 * or null when the traceback does not say.
 */
export function failingLine(
  traceback: string | null | undefined
): number | null {
  if (!traceback) {
    return null;
  }
  const text = traceback.replace(ANSI, '');
  // The first frame marked with an arrow is the cell's own code in a cell's traceback.
  const first = /^-*>\s*(\d+)\b/m.exec(text);
  if (first) {
    return Number(first[1]);
  }
  const line = /line (\d+)/.exec(text);
  return line ? Number(line[1]) : null;
}

/**
 * Lines of code around `failing` (2 before, 2 after), numbered, the failing one marked; the
 * first six lines when the failing line is unknown.
 */
export function SourceAround(props: {
  lines: string[];
  failing: number | null;
  before?: number;
  after?: number;
}): JSX.Element {
  const { lines } = props;
  const failing =
    props.failing && props.failing >= 1 && props.failing <= lines.length
      ? props.failing
      : null;
  const start = failing ? Math.max(1, failing - (props.before ?? 2)) : 1;
  const end = failing
    ? Math.min(lines.length, failing + (props.after ?? 2))
    : Math.min(lines.length, 6);
  const shown: JSX.Element[] = [];
  for (let number = start; number <= end; number++) {
    const mark = number === failing;
    shown.push(
      <span
        key={number}
        className={`jp-mindzie-SourceLine${mark ? ' jp-mod-failing' : ''}`}
        data-line={number}
        data-failing={mark || undefined}
      >
        <span className="jp-mindzie-SourceLine-number" aria-hidden="true">
          {mark ? '→' : ' '}
          {String(number).padStart(3, ' ')}{' '}
        </span>
        {lines[number - 1]}
        {'\n'}
      </span>
    );
  }
  return (
    <pre
      className="jp-mindzie-FailedCell-source"
      data-testid="mindzie-failed-cell-source"
      data-failing-line={failing ?? undefined}
    >
      {start > 1 ? '…\n' : ''}
      {shown}
      {end < lines.length ? '…' : ''}
    </pre>
  );
}
