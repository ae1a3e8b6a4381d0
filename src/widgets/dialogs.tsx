/**
 * The panel's dialogs: add a project, create or upload a notebook, upload a dataset, confirm.
 *
 * A form dialog stays open on a bad value or a failed request and shows why, so nothing the
 * user typed is lost and no failure goes unseen.
 */
import { Dialog, ReactWidget, showDialog } from '@jupyterlab/apputils';
import { TranslationBundle } from '@jupyterlab/translation';
import * as React from 'react';

import { OUTPUT_FORMATS } from '../contract';
import { isGuid } from '../model';
import {
  IDataset,
  IProjectRef,
  NotebookTemplate,
  OutputFormat
} from '../tokens';
import { formatBytes, formatCount, formatLocale } from '../format';
import { ErrorBox, Select } from './common';

/**
 * The body of a form dialog: renders the values and keeps them as they are edited.
 */
class FormBody<V> extends ReactWidget implements Dialog.IBodyWidget<V> {
  constructor(
    private _render: (
      values: V,
      set: (patch: Partial<V>) => void
    ) => JSX.Element,
    public values: V,
    private _error: unknown,
    testId: string
  ) {
    super();
    this.addClass('jp-mindzie-Form');
    this.addClass('jp-mindzie-DialogForm');
    this.node.dataset.testid = testId;
  }

  getValue(): V {
    return this.values;
  }

  render(): JSX.Element {
    return (
      <>
        {this._error ? (
          typeof this._error === 'string' ? (
            <div className="jp-mindzie-Error jp-mod-compact" role="alert">
              <div className="jp-mindzie-Error-message">{this._error}</div>
            </div>
          ) : (
            <ErrorBox error={this._error} compact />
          )
        ) : null}
        {this._render(this.values, patch => {
          this.values = { ...this.values, ...patch };
          this.update();
        })}
      </>
    );
  }
}

/**
 * Show a form until it is cancelled, or its values are valid and `submit` succeeds.
 *
 * @returns what `submit` returned, or null when cancelled.
 */
export async function showFormDialog<V, R>(options: {
  title: string;
  acceptLabel: string;
  initial: V;
  testId: string;
  render: (values: V, set: (patch: Partial<V>) => void) => JSX.Element;
  validate?: (values: V) => string | null;
  submit: (values: V) => Promise<R>;
}): Promise<R | null> {
  const { trans } = formatLocale();
  let values = options.initial;
  let error: unknown = null;
  for (;;) {
    const body = new FormBody(options.render, values, error, options.testId);
    const result = await showDialog<V>({
      title: options.title,
      body,
      buttons: [
        Dialog.cancelButton({ label: trans.__('Cancel') }),
        Dialog.okButton({ label: options.acceptLabel })
      ],
      focusNodeSelector: 'input, select'
    });
    if (!result.button.accept || result.value === null) {
      return null;
    }
    values = result.value;
    error = options.validate?.(values) ?? null;
    if (error) {
      continue;
    }
    try {
      return await options.submit(values);
    } catch (reason) {
      error = reason;
    }
  }
}

/**
 * Ask before something that cannot be undone.
 */
export async function confirmDialog(options: {
  title: string;
  body: string;
  acceptLabel: string;
  /**
   * The button that keeps things as they are ("Cancel" by default).
   */
  rejectLabel?: string;
  /**
   * Our strings; JupyterLab's language by default.
   */
  trans?: TranslationBundle;
}): Promise<boolean> {
  const trans = options.trans ?? formatLocale().trans;
  const result = await showDialog({
    title: options.title,
    body: options.body,
    buttons: [
      Dialog.cancelButton({
        label: options.rejectLabel ?? trans.__('Cancel')
      }),
      Dialog.warnButton({ label: options.acceptLabel })
    ]
  });
  return result.button.accept;
}

// -- fields ---------------------------------------------------------------------------------

/**
 * A labelled row of a form.
 */
export function Field(props: {
  label: React.ReactNode;
  hint?: React.ReactNode;
  children: React.ReactNode;
  error?: string | null;
  htmlFor?: string;
}): JSX.Element {
  return (
    <div className={`jp-mindzie-Field${props.error ? ' jp-mod-invalid' : ''}`}>
      {props.label ? (
        <label className="jp-mindzie-Field-label" htmlFor={props.htmlFor}>
          {props.label}
        </label>
      ) : null}
      <div className="jp-mindzie-Field-control">{props.children}</div>
      {props.error && (
        <div className="jp-mindzie-Field-error" role="alert">
          {props.error}
        </div>
      )}
      {props.hint && !props.error && (
        <div className="jp-mindzie-Field-hint">{props.hint}</div>
      )}
    </div>
  );
}

/**
 * A checkbox with its label to the right.
 */
export function Checkbox(props: {
  label: React.ReactNode;
  checked: boolean;
  onChange: (checked: boolean) => void;
  testId?: string;
  disabled?: boolean;
}): JSX.Element {
  return (
    <label className="jp-mindzie-Checkbox">
      <input
        type="checkbox"
        checked={props.checked}
        disabled={props.disabled}
        data-testid={props.testId}
        onChange={event => props.onChange(event.target.checked)}
      />
      <span>{props.label}</span>
    </label>
  );
}

/**
 * A select of the project's datasets, with "None".
 */
export function DatasetSelect(props: {
  datasets: IDataset[];
  value: string | null;
  onChange: (datasetId: string | null) => void;
  testId?: string;
  noneLabel?: string;
  id?: string;
}): JSX.Element {
  const known = props.datasets.some(d => d.datasetId === props.value);
  const { trans } = formatLocale();
  return (
    <Select
      id={props.id}
      value={props.value ?? ''}
      data-testid={props.testId}
      onChange={event => props.onChange(event.target.value || null)}
    >
      <option value="">{props.noneLabel ?? trans.__('None')}</option>
      {props.value && !known && (
        <option value={props.value}>
          {trans.__('Unknown dataset %1', props.value)}
        </option>
      )}
      {props.datasets.map(dataset => (
        <option key={dataset.datasetId} value={dataset.datasetId}>
          {trans._n(
            '%2 (%3 row)',
            '%2 (%3 rows)',
            dataset.recordCount,
            dataset.name,
            formatCount(dataset.recordCount)
          )}
        </option>
      ))}
    </Select>
  );
}

export function outputFormatLabel(format: OutputFormat): string {
  const { trans } = formatLocale();
  const labels: Record<OutputFormat, string> = {
    enriched_dataframe: trans.__('Enriched dataframe'),
    csv: 'CSV',
    parquet: 'Parquet',
    json: 'JSON'
  };
  return labels[format];
}

/**
 * A select of the output formats.
 */
export function OutputFormatSelect(props: {
  value: OutputFormat;
  onChange: (value: OutputFormat) => void;
  testId?: string;
  id?: string;
}): JSX.Element {
  return (
    <Select
      id={props.id}
      value={props.value}
      data-testid={props.testId}
      onChange={event => props.onChange(event.target.value as OutputFormat)}
    >
      {OUTPUT_FORMATS.map(format => (
        <option key={format} value={format}>
          {outputFormatLabel(format)}
        </option>
      ))}
    </Select>
  );
}

/**
 * A file input that keeps the chosen file in the form's values.
 */
function FileInput(props: {
  accept: string;
  file: File | null;
  onChange: (file: File | null) => void;
  testId: string;
}): JSX.Element {
  return (
    <div className="jp-mindzie-FileInput">
      <input
        type="file"
        accept={props.accept}
        data-testid={props.testId}
        onChange={event => props.onChange(event.target.files?.[0] ?? null)}
      />
      {props.file && (
        <span className="jp-mindzie-FileInput-size" title={props.file.name}>
          {props.file.name} · {formatBytes(props.file.size)}
        </span>
      )}
    </div>
  );
}

/**
 * A file name without its folder and extension.
 */
export function fileStem(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/**
 * A random (version 4) GUID.
 */
export function newGuid(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, b => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// -- the dialogs ----------------------------------------------------------------------------

/**
 * Ask for a tenant and project to open (a new project starts empty).
 */
export function addProjectDialog(options: {
  tenants: string[] | '*';
  suggestedTenant?: string | null;
  /**
   * Display names of the tenants the user reaches, by id.
   */
  tenantNames?: Record<string, string>;
  submit: (
    project: IProjectRef & { projectName: string }
  ) => Promise<IProjectRef>;
}): Promise<IProjectRef | null> {
  const tenantNames = options.tenantNames ?? {};
  const tenants = options.tenants === '*' ? null : options.tenants;
  const { trans } = formatLocale();
  const initial = {
    tenantId:
      options.suggestedTenant ?? (tenants && tenants.length ? tenants[0] : ''),
    projectId: newGuid(),
    projectName: ''
  };
  return showFormDialog({
    title: trans.__('Open a mindzie project'),
    acceptLabel: trans.__('Open'),
    initial,
    testId: 'mindzie-add-project-dialog',
    render: (values, set) => (
      <>
        <p className="jp-mindzie-Form-intro">
          {trans.__(
            'Projects are named by their tenant and project ids (GUIDs). A project you open here is kept in this browser; it shows on the server once it holds a notebook or a dataset.'
          )}
        </p>
        <Field label={trans.__('Tenant')} htmlFor="jp-mindzie-tenant">
          {tenants ? (
            <Select
              id="jp-mindzie-tenant"
              value={values.tenantId}
              data-testid="mindzie-tenant-input"
              onChange={event => set({ tenantId: event.target.value })}
            >
              {tenants.map(tenant => (
                <option key={tenant} value={tenant} title={tenant}>
                  {tenantNames[tenant.toLowerCase()]
                    ? trans._p(
                        'tenant choice: name, id',
                        '%1 (%2)',
                        tenantNames[tenant.toLowerCase()],
                        tenant
                      )
                    : tenant}
                </option>
              ))}
            </Select>
          ) : (
            <div className="jp-mindzie-InputRow">
              <input
                id="jp-mindzie-tenant"
                className="jp-mod-styled jp-mindzie-Input"
                value={values.tenantId}
                placeholder="00000000-0000-0000-0000-000000000000"
                data-testid="mindzie-tenant-input"
                onChange={event => set({ tenantId: event.target.value })}
              />
              <button
                className="jp-mindzie-LinkButton"
                onClick={() => set({ tenantId: newGuid() })}
              >
                {trans.__('New')}
              </button>
            </div>
          )}
        </Field>
        <Field label={trans.__('Project')} htmlFor="jp-mindzie-project">
          <div className="jp-mindzie-InputRow">
            <input
              id="jp-mindzie-project"
              className="jp-mod-styled jp-mindzie-Input"
              value={values.projectId}
              data-testid="mindzie-project-input"
              onChange={event => set({ projectId: event.target.value })}
            />
            <button
              className="jp-mindzie-LinkButton"
              onClick={() => set({ projectId: newGuid() })}
            >
              {trans.__('New')}
            </button>
          </div>
        </Field>
        <Field
          label={trans.__('Project name')}
          htmlFor="jp-mindzie-new-project-name"
          hint={trans.__('Optional: what the panel shows instead of the id.')}
        >
          <input
            id="jp-mindzie-new-project-name"
            className="jp-mod-styled jp-mindzie-Input"
            value={values.projectName}
            data-testid="mindzie-new-project-name"
            onChange={event => set({ projectName: event.target.value })}
          />
        </Field>
      </>
    ),
    validate: values => {
      if (!isGuid(values.tenantId)) {
        return trans.__(
          'The tenant must be a GUID (8-4-4-4-12 hexadecimal digits).'
        );
      }
      if (!isGuid(values.projectId)) {
        return trans.__(
          'The project must be a GUID (8-4-4-4-12 hexadecimal digits).'
        );
      }
      return null;
    },
    submit: values =>
      options.submit({
        tenantId: values.tenantId.trim().toLowerCase(),
        projectId: values.projectId.trim().toLowerCase(),
        projectName: values.projectName.trim()
      })
  });
}

export interface INewNotebookValues {
  notebookName: string;
  notebookDescription: string;
  template: NotebookTemplate;
  kernelType: string;
  datasetBinding: string | null;
  enrichmentMode: boolean;
  outputFormat: OutputFormat;
}

/**
 * Ask for a new notebook's name, template, kernel and integration settings.
 */
export function createNotebookDialog<R>(options: {
  datasets: IDataset[];
  kernels: Array<{ name: string; displayName: string }>;
  submit: (values: INewNotebookValues) => Promise<R>;
}): Promise<R | null> {
  const { trans } = formatLocale();
  const kernels = options.kernels.length
    ? options.kernels
    : [{ name: 'python3', displayName: 'Python 3' }];
  const initial: INewNotebookValues = {
    notebookName: '',
    notebookDescription: '',
    template: 'process_mining_starter',
    kernelType: kernels.some(k => k.name === 'python3')
      ? 'python3'
      : kernels[0].name,
    datasetBinding: options.datasets[0]?.datasetId ?? null,
    enrichmentMode: true,
    outputFormat: 'enriched_dataframe'
  };
  return showFormDialog({
    title: trans.__('New mindzie notebook'),
    acceptLabel: trans.__('Create'),
    initial,
    testId: 'mindzie-create-dialog',
    render: (values, set) => (
      <>
        <Field label={trans.__('Name')} htmlFor="jp-mindzie-nb-name">
          <input
            id="jp-mindzie-nb-name"
            className="jp-mod-styled jp-mindzie-Input"
            value={values.notebookName}
            placeholder={trans.__('Loan applications: cycle times')}
            data-testid="mindzie-notebook-name"
            onChange={event => set({ notebookName: event.target.value })}
          />
        </Field>
        <Field
          label={trans.__('Description')}
          htmlFor="jp-mindzie-nb-description"
        >
          <input
            id="jp-mindzie-nb-description"
            className="jp-mod-styled jp-mindzie-Input"
            value={values.notebookDescription}
            placeholder={trans.__('Optional')}
            onChange={event => set({ notebookDescription: event.target.value })}
          />
        </Field>
        <Field
          label={trans.__('Template')}
          htmlFor="jp-mindzie-nb-template"
          hint={
            values.template === 'process_mining_starter'
              ? trans.__(
                  'Cycle times, bottlenecks, an enriched event log and a plot, ready to run.'
                )
              : trans.__('Only a parameters cell.')
          }
        >
          <Select
            id="jp-mindzie-nb-template"
            value={values.template}
            data-testid="mindzie-notebook-template"
            onChange={event =>
              set({ template: event.target.value as NotebookTemplate })
            }
          >
            <option value="process_mining_starter">
              {trans.__('Process mining starter')}
            </option>
            <option value="blank">{trans.__('Blank')}</option>
          </Select>
        </Field>
        <Field label={trans.__('Kernel')} htmlFor="jp-mindzie-nb-kernel">
          <Select
            id="jp-mindzie-nb-kernel"
            value={values.kernelType}
            onChange={event => set({ kernelType: event.target.value })}
          >
            {kernels.map(kernel => (
              <option key={kernel.name} value={kernel.name}>
                {kernel.displayName}
              </option>
            ))}
          </Select>
        </Field>
        <Field
          label={trans.__('Dataset')}
          htmlFor="jp-mindzie-nb-dataset"
          hint={
            options.datasets.length
              ? trans.__(
                  'The event log the notebook analyses (its dataset_id parameter).'
                )
              : trans.__(
                  'No datasets in this project yet: upload one from the panel first, or bind one later.'
                )
          }
        >
          <DatasetSelect
            id="jp-mindzie-nb-dataset"
            datasets={options.datasets}
            value={values.datasetBinding}
            testId="mindzie-notebook-dataset"
            onChange={datasetBinding => set({ datasetBinding })}
          />
        </Field>
        <Field label={trans.__('Output format')} htmlFor="jp-mindzie-nb-format">
          <OutputFormatSelect
            id="jp-mindzie-nb-format"
            value={values.outputFormat}
            onChange={outputFormat => set({ outputFormat })}
          />
        </Field>
        <Checkbox
          label={trans.__(
            'Enrichment mode (publish enriched data back to mindzie)'
          )}
          checked={values.enrichmentMode}
          onChange={enrichmentMode => set({ enrichmentMode })}
        />
      </>
    ),
    validate: values =>
      values.notebookName.trim() ? null : trans.__('Give the notebook a name.'),
    submit: options.submit
  });
}

export interface IUploadNotebookValues {
  file: File | null;
  notebookName: string;
  datasetBinding: string | null;
  enrichmentMode: boolean;
}

/**
 * Ask for an .ipynb file to upload, its name and its dataset.
 */
export function uploadNotebookDialog<R>(options: {
  datasets: IDataset[];
  submit: (values: IUploadNotebookValues & { file: File }) => Promise<R>;
}): Promise<R | null> {
  const { trans } = formatLocale();
  return showFormDialog<IUploadNotebookValues, R>({
    title: trans.__('Upload a notebook to mindzie'),
    acceptLabel: trans.__('Upload'),
    initial: {
      file: null,
      notebookName: '',
      datasetBinding: null,
      enrichmentMode: false
    },
    testId: 'mindzie-upload-notebook-dialog',
    render: (values, set) => (
      <>
        <Field label={trans.__('Notebook file (.ipynb)')}>
          <FileInput
            accept=".ipynb,application/x-ipynb+json"
            file={values.file}
            testId="mindzie-upload-notebook-file"
            onChange={file =>
              set({
                file,
                notebookName:
                  values.notebookName || (file ? fileStem(file.name) : '')
              })
            }
          />
        </Field>
        <Field label={trans.__('Name')} htmlFor="jp-mindzie-upload-name">
          <input
            id="jp-mindzie-upload-name"
            className="jp-mod-styled jp-mindzie-Input"
            value={values.notebookName}
            placeholder={trans.__("The file's name")}
            onChange={event => set({ notebookName: event.target.value })}
          />
        </Field>
        <Field label={trans.__('Dataset')} htmlFor="jp-mindzie-upload-dataset">
          <DatasetSelect
            id="jp-mindzie-upload-dataset"
            datasets={options.datasets}
            value={values.datasetBinding}
            onChange={datasetBinding => set({ datasetBinding })}
          />
        </Field>
        <Checkbox
          label={trans.__('Enrichment mode')}
          checked={values.enrichmentMode}
          onChange={enrichmentMode => set({ enrichmentMode })}
        />
      </>
    ),
    validate: values =>
      values.file ? null : trans.__('Choose a notebook file (.ipynb).'),
    submit: values => options.submit({ ...values, file: values.file! })
  });
}

export interface IUploadDatasetValues {
  file: File | null;
  name: string;
}

/**
 * Ask for a CSV or Parquet file to upload as a dataset.
 */
export function uploadDatasetDialog<R>(options: {
  submit: (values: { file: File; name: string }) => Promise<R>;
}): Promise<R | null> {
  const { trans } = formatLocale();
  return showFormDialog<IUploadDatasetValues, R>({
    title: trans.__('Upload a dataset'),
    acceptLabel: trans.__('Upload'),
    initial: { file: null, name: '' },
    testId: 'mindzie-upload-dataset-dialog',
    render: (values, set) => (
      <>
        <p className="jp-mindzie-Form-intro">
          {trans.__(
            'An event log as CSV (UTF-8, UTF-16 or Shift-JIS, with a header row) or Parquet: typically one row per event with a case id, an activity and a timestamp.'
          )}
        </p>
        <Field label={trans.__('File (.csv or .parquet)')}>
          <FileInput
            accept=".csv,.txt,.parquet,.parq,.pq,text/csv"
            file={values.file}
            testId="mindzie-upload-dataset-file"
            onChange={file =>
              set({
                file,
                name: values.name || (file ? fileStem(file.name) : '')
              })
            }
          />
        </Field>
        <Field label={trans.__('Name')} htmlFor="jp-mindzie-dataset-name">
          <input
            id="jp-mindzie-dataset-name"
            className="jp-mod-styled jp-mindzie-Input"
            value={values.name}
            placeholder={trans.__("The file's name")}
            data-testid="mindzie-upload-dataset-name"
            onChange={event => set({ name: event.target.value })}
          />
        </Field>
      </>
    ),
    validate: values =>
      values.file ? null : trans.__('Choose a CSV or Parquet file.'),
    submit: values => options.submit({ file: values.file!, name: values.name })
  });
}
