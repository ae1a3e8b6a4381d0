/**
 * The run form: parameters inferred from the notebook's `parameters` cell, then priority,
 * timeout, stop-on-error, an optional cell range and the report; "Run" starts the execution
 * and opens its live view.
 */
import { Notification } from '@jupyterlab/apputils';
import { runIcon } from '@jupyterlab/ui-components';
import * as React from 'react';

import { cellHeading } from '../cells';
import { CommandIDs } from '../commands';
import { DEFAULT_PRIORITY, PRIORITIES } from '../contract';
import {
  IParameterField,
  fieldValue,
  isChanged,
  parameterFields
} from '../parameters';
import { formatCount, formatLocale } from '../format';
import { fieldError, problemFields } from '../problems';
import { errorMessage } from '../request';
import {
  IDataset,
  IExecuteRequest,
  INotebook,
  INotebookCell,
  Priority
} from '../tokens';
import {
  EmptyState,
  ErrorBox,
  Select,
  Spinner,
  joinFacts,
  priorityLabel
} from './common';
import { Checkbox, DatasetSelect, Field } from './dialogs';
import { IPanelProps } from './panel';

interface IOptionsState {
  priority: Priority;
  timeoutMinutes: string;
  stopOnError: boolean;
  useRange: boolean;
  startCell: string;
  endCell: string;
  generateReport: boolean;
}

export function RunForm(
  props: IPanelProps & { notebook: INotebook }
): JSX.Element {
  const { model, commands, notebook } = props;
  const { trans } = model;
  const parameters = model.parameters;
  const fields = React.useMemo(
    () => parameterFields(parameters.data?.parameters ?? []),
    [parameters.data]
  );
  const codeCells = notebook.cells.filter(cell => cell.cellType === 'code');
  const defaults = (): IOptionsState => ({
    priority: DEFAULT_PRIORITY,
    timeoutMinutes: '30',
    stopOnError: false,
    useRange: false,
    startCell: codeCells[0]?.cellId ?? '',
    endCell: codeCells[codeCells.length - 1]?.cellId ?? '',
    generateReport: model.settings.generateReport
  });
  // What the analyst left here last time (this page, or the state database after a reload).
  const draft = model.drafts.peek(notebook.notebookId);
  const [texts, setTextsState] = React.useState<Record<string, string>>(
    () => draft?.texts ?? {}
  );
  const [options, setOptionsState] = React.useState<IOptionsState>(() =>
    restoreOptions(defaults(), draft?.options)
  );
  const edited = React.useRef(false);
  const remember = (next: {
    texts?: Record<string, string>;
    options?: IOptionsState;
  }) => {
    edited.current = true;
    model.drafts.save(notebook.notebookId, {
      texts: next.texts ?? texts,
      options: {
        ...(next.options ?? options)
      } as unknown as Record<string, string | boolean>
    });
  };
  const setTexts = (next: Record<string, string>) => {
    setTextsState(next);
    remember({ texts: next });
  };
  const setOptions = (next: IOptionsState) => {
    setOptionsState(next);
    remember({ options: next });
  };
  React.useEffect(() => {
    if (draft) {
      return;
    }
    let live = true;
    void model.drafts.load(notebook.notebookId).then(saved => {
      if (live && saved && !edited.current) {
        setTextsState(saved.texts);
        setOptionsState(restoreOptions(defaults(), saved.options));
      }
    });
    return () => {
      live = false;
    };
  }, [notebook.notebookId]);
  const runnable = model.info.data?.executeTenants;
  const mayRun =
    runnable === undefined ||
    runnable === '*' ||
    runnable.includes(notebook.tenantId);
  const [submitting, setSubmitting] = React.useState(false);
  const [error, setError] = React.useState<unknown>(null);
  const [showErrors, setShowErrors] = React.useState(false);

  const textOf = (field: IParameterField) =>
    texts[field.name] ?? field.defaultText;
  const fieldErrors: Record<string, string> = {};
  for (const field of fields) {
    const value = fieldValue(field, textOf(field));
    if (!value.ok) {
      fieldErrors[field.name] = value.error;
    }
  }
  const timeout = Number(options.timeoutMinutes);
  const timeoutError =
    !isFinite(timeout) || timeout <= 0 || timeout > 7 * 24 * 60
      ? trans.__('Between a few seconds and 7 days (10080 minutes).')
      : null;
  const startIndex = codeCells.findIndex(c => c.cellId === options.startCell);
  const endIndex = codeCells.findIndex(c => c.cellId === options.endCell);
  const rangeError =
    options.useRange &&
    (startIndex < 0 || endIndex < 0 || endIndex < startIndex)
      ? trans.__('The last cell must come after the first.')
      : null;
  const changed = fields.filter(field => isChanged(field, textOf(field)));
  const invalidCount =
    Object.keys(fieldErrors).length +
    (timeoutError ? 1 : 0) +
    (rangeError ? 1 : 0);
  const invalid = invalidCount > 0;
  // What the server refused, next to the field it names.
  const refused = problemFields(error);

  const submit = async () => {
    setShowErrors(true);
    if (invalid || !model.project) {
      return;
    }
    const values: Record<string, unknown> = {};
    for (const field of changed) {
      const value = fieldValue(field, textOf(field));
      if (value.ok) {
        values[field.name] = value.value;
      }
    }
    const request: IExecuteRequest = {
      parameters: values,
      priority: options.priority,
      timeout: Math.round(timeout * 60),
      stopOnError: options.stopOnError,
      outputOptions: {
        captureOutputs: true,
        generateReport: options.generateReport
      }
    };
    if (options.useRange) {
      request.executionMode = 'range';
      request.cellRange = {
        startCell: options.startCell,
        endCell: options.endCell
      };
    }
    const project = model.project;
    setSubmitting(true);
    setError(null);
    try {
      const accepted = await model.service.execute(
        project,
        notebook.notebookId,
        request
      );
      model.started({
        project,
        notebookId: notebook.notebookId,
        executionId: accepted.executionId,
        notebookName: notebook.notebookName
      });
      void commands.execute(CommandIDs.openExecution, {
        ...project,
        notebookId: notebook.notebookId,
        executionId: accepted.executionId,
        notebookName: notebook.notebookName
      });
      // The notebook now says Running, and its history has the new run.
      void model.reloadNotebook();
      void model.refreshNotebooks();
    } catch (reason) {
      setError(reason);
      Notification.error(
        trans.__('Could not start the run: %1', errorMessage(reason)),
        { autoClose: 8000 }
      );
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <form
      className="jp-mindzie-Form jp-mindzie-RunForm"
      data-testid="mindzie-run-form"
      onSubmit={event => {
        event.preventDefault();
        void submit();
      }}
    >
      <h3 className="jp-mindzie-Form-heading">
        {trans.__('Parameters')}
        {changed.length ? (
          <button
            type="button"
            className="jp-mindzie-LinkButton"
            data-testid="mindzie-reset-parameters"
            onClick={() => setTexts({})}
          >
            {trans._n(
              'Reset %2 to its default',
              'Reset %2 to their defaults',
              changed.length,
              formatCount(changed.length)
            )}
          </button>
        ) : null}
      </h3>
      {parameters.loading && !parameters.data ? (
        <Spinner label={trans.__('Reading the parameters cell…')} />
      ) : null}
      {parameters.error ? (
        <ErrorBox
          error={parameters.error}
          compact
          onRetry={() => void model.reloadNotebook()}
        />
      ) : null}
      {parameters.data && !fields.length ? (
        <EmptyState>
          {trans.__(
            'This notebook has no cell tagged “parameters”, so a run takes no parameters. Tag a cell “parameters” in JupyterLab to set defaults here.'
          )}
        </EmptyState>
      ) : null}
      {fields.map(field => (
        <ParameterInput
          key={field.name}
          field={field}
          text={textOf(field)}
          changed={isChanged(field, textOf(field))}
          error={
            (showErrors || texts[field.name] !== undefined
              ? fieldErrors[field.name]
              : undefined) ?? fieldError(refused, `parameters.${field.name}`)
          }
          onChange={text => setTexts({ ...texts, [field.name]: text })}
          {...props}
        />
      ))}

      <h3 className="jp-mindzie-Form-heading">{trans.__('Options')}</h3>
      <div className="jp-mindzie-FieldRow">
        <Field label={trans.__('Priority')} htmlFor="jp-mindzie-run-priority">
          <Select
            id="jp-mindzie-run-priority"
            value={options.priority}
            data-testid="mindzie-run-priority"
            onChange={event =>
              setOptions({
                ...options,
                priority: event.target.value as Priority
              })
            }
          >
            {/* Highest first. */}
            {[...PRIORITIES].reverse().map(priority => (
              <option key={priority} value={priority}>
                {priorityLabel(priority)}
              </option>
            ))}
          </Select>
        </Field>
        <Field
          label={trans.__('Timeout (minutes)')}
          htmlFor="jp-mindzie-run-timeout"
          error={timeoutError ?? fieldError(refused, 'timeout')}
        >
          <input
            id="jp-mindzie-run-timeout"
            type="number"
            min="0.1"
            step="any"
            className="jp-mod-styled jp-mindzie-Input"
            value={options.timeoutMinutes}
            data-testid="mindzie-run-timeout"
            onChange={event =>
              setOptions({ ...options, timeoutMinutes: event.target.value })
            }
          />
        </Field>
      </div>
      <Checkbox
        label={trans.__('Stop at the first failing cell')}
        checked={options.stopOnError}
        testId="mindzie-run-stop-on-error"
        onChange={stopOnError => setOptions({ ...options, stopOnError })}
      />
      <Checkbox
        label={trans.__('Generate an HTML report')}
        checked={options.generateReport}
        testId="mindzie-run-report"
        onChange={generateReport => setOptions({ ...options, generateReport })}
      />
      <Checkbox
        label={trans.__('Run only a range of cells')}
        checked={options.useRange}
        testId="mindzie-run-use-range"
        disabled={!codeCells.length}
        onChange={useRange => setOptions({ ...options, useRange })}
      />
      {options.useRange && (
        <div className="jp-mindzie-Range">
          <Field
            label={trans._p('cell range', 'From')}
            htmlFor="jp-mindzie-range-start"
          >
            <CellSelect
              id="jp-mindzie-range-start"
              cells={codeCells}
              all={notebook.cells}
              value={options.startCell}
              testId="mindzie-range-start"
              onChange={startCell => setOptions({ ...options, startCell })}
            />
          </Field>
          <Field
            label={trans._p('cell range', 'To')}
            htmlFor="jp-mindzie-range-end"
            error={rangeError ?? fieldError(refused, 'cellRange')}
          >
            <CellSelect
              id="jp-mindzie-range-end"
              cells={codeCells}
              all={notebook.cells}
              value={options.endCell}
              testId="mindzie-range-end"
              onChange={endCell => setOptions({ ...options, endCell })}
            />
          </Field>
        </div>
      )}
      {error ? <ErrorBox error={error} compact /> : null}
      <div className="jp-mindzie-Form-actions">
        <button
          type="submit"
          className="jp-mod-styled jp-mod-accept jp-mindzie-Button jp-mindzie-RunButton"
          data-testid="mindzie-run-submit"
          disabled={!mayRun || submitting || invalid}
          aria-describedby="jp-mindzie-run-why"
          title={
            mayRun
              ? undefined
              : trans.__('You may read this project but not run its notebooks')
          }
        >
          <runIcon.react tag="span" className="jp-mindzie-Button-icon" />
          {submitting ? trans.__('Starting…') : trans.__('Run with mindzie')}
        </button>
        <span
          className={`jp-mindzie-Muted${invalid ? ' jp-mindzie-RunWhy-invalid' : ''}`}
          id="jp-mindzie-run-why"
          data-testid="mindzie-run-why"
          aria-live="polite"
        >
          {!mayRun
            ? trans.__('You may read this project but not run its notebooks')
            : invalid
              ? trans._n(
                  'Fix the field marked above to run.',
                  'Fix the %2 fields marked above to run.',
                  invalidCount,
                  formatCount(invalidCount)
                )
              : changed.length
                ? trans._n(
                    '%2 parameter changed',
                    '%2 parameters changed',
                    changed.length,
                    formatCount(changed.length)
                  )
                : trans.__('Runs with the defaults')}
        </span>
      </div>
    </form>
  );
}

/**
 * One parameter's input, by its type.
 */
function ParameterInput(
  props: IPanelProps & {
    field: IParameterField;
    text: string;
    changed: boolean;
    error?: string;
    onChange: (text: string) => void;
  }
): JSX.Element {
  const { field, text, model } = props;
  const { trans } = model;
  const id = `jp-mindzie-param-${field.name}`;
  const label = (
    <>
      <code className="jp-mindzie-ParamName">{field.name}</code>
      <span className="jp-mindzie-ParamType">{field.typeName}</span>
      {props.changed && (
        <span
          className="jp-mindzie-ParamChanged"
          title={trans.__('Changed from the default')}
        >
          {trans._p('parameter', 'changed')}
        </span>
      )}
    </>
  );
  // The field shows the default itself; say what it was only once it changed.
  const defaultHint = !props.changed
    ? ''
    : field.hasDefault
      ? trans.__(
          'Default: %1',
          field.name === 'dataset_id'
            ? (datasetName(field.defaultValue, model.datasets.data) ??
                field.source)
            : field.source
        )
      : trans.__(
          'Default: %1 (an expression; kept unless you enter a value)',
          field.source
        );
  const hint =
    field.help && defaultHint
      ? joinFacts(field.help, defaultHint)
      : field.help || defaultHint || undefined;
  let control: JSX.Element;
  if (field.name === 'dataset_id' && (model.datasets.data?.length ?? 0) > 0) {
    control = (
      <DatasetSelect
        id={id}
        datasets={model.datasets.data ?? []}
        value={text || null}
        noneLabel={trans._p('no dataset', 'None')}
        testId={`mindzie-param-${field.name}`}
        onChange={value => props.onChange(value ?? '')}
      />
    );
  } else if (field.kind === 'bool') {
    control = (
      <label className="jp-mindzie-Checkbox">
        <input
          id={id}
          type="checkbox"
          checked={text === 'true'}
          data-testid={`mindzie-param-${field.name}`}
          onChange={event =>
            props.onChange(event.target.checked ? 'true' : 'false')
          }
        />
        <span>
          {text === 'true'
            ? trans._p('boolean parameter', 'True')
            : trans._p('boolean parameter', 'False')}
        </span>
      </label>
    );
  } else if (field.kind === 'json') {
    control = (
      <textarea
        id={id}
        className="jp-mod-styled jp-mindzie-Input jp-mindzie-Textarea"
        rows={2}
        value={text}
        spellCheck={false}
        data-testid={`mindzie-param-${field.name}`}
        onChange={event => props.onChange(event.target.value)}
      />
    );
  } else {
    control = (
      <input
        id={id}
        className="jp-mod-styled jp-mindzie-Input"
        type={
          field.kind === 'int' || field.kind === 'float' ? 'number' : 'text'
        }
        step={
          field.kind === 'int' ? 1 : field.kind === 'float' ? 'any' : undefined
        }
        value={text}
        placeholder={field.hasDefault ? undefined : field.source}
        spellCheck={false}
        data-testid={`mindzie-param-${field.name}`}
        onChange={event => props.onChange(event.target.value)}
      />
    );
  }
  return (
    <div
      className={`jp-mindzie-Param${props.changed ? ' jp-mod-changed' : ''}`}
    >
      <Field label={label} hint={hint} error={props.error} htmlFor={id}>
        {control}
      </Field>
    </div>
  );
}

/**
 * A select of code cells: id and first line.
 */
function CellSelect(props: {
  id: string;
  cells: INotebookCell[];
  all: INotebookCell[];
  value: string;
  testId: string;
  onChange: (cellId: string) => void;
}): JSX.Element {
  const { trans } = formatLocale();
  return (
    <Select
      id={props.id}
      value={props.value}
      data-testid={props.testId}
      onChange={event => props.onChange(event.target.value)}
    >
      {props.cells.map((cell, index) => {
        const name =
          cellHeading(props.all, cell.cellId) || firstLine(cell.content);
        return (
          <option key={cell.cellId} value={cell.cellId} title={cell.cellId}>
            {name
              ? trans._p(
                  'cell choice: position, heading',
                  '%1. %2',
                  index + 1,
                  name
                )
              : trans._p(
                  'cell choice: position, id',
                  '%1. %2',
                  index + 1,
                  cell.cellId
                )}
          </option>
        );
      })}
    </Select>
  );
}

/**
 * The first line of code that says something (not a comment), shortened.
 */
export function firstLine(source: string | undefined, max = 48): string {
  if (!source) {
    return '';
  }
  const lines = source
    .split('\n')
    .map(line => line.trim())
    .filter(Boolean);
  const line = lines.find(l => !l.startsWith('#')) ?? lines[0] ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

function datasetName(
  value: unknown,
  datasets: IDataset[] | null
): string | null {
  if (typeof value !== 'string') {
    return null;
  }
  return datasets?.find(d => d.datasetId === value.toLowerCase())?.name ?? null;
}

/**
 * Saved options over the defaults, each only when it still has the right type (a cell of a
 * range that is gone falls back to the default).
 */
function restoreOptions(
  defaults: IOptionsState,
  saved: Record<string, string | boolean> | undefined
): IOptionsState {
  if (!saved) {
    return defaults;
  }
  const result = { ...defaults } as unknown as Record<string, string | boolean>;
  for (const [name, value] of Object.entries(defaults)) {
    if (typeof saved[name] === typeof value) {
      result[name] = saved[name];
    }
  }
  return result as unknown as IOptionsState;
}
