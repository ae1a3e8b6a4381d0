/**
 * The mindzie service token and the types of the REST API it speaks (they mirror the server's
 * JSON: `jupyter_mindzie/views.py`, `results.py` and `schema/api/*.json`).
 */
import { Token } from '@lumino/coreutils';

// -- common ---------------------------------------------------------------------------------

/**
 * One invalid field of a request, as listed in a problem's `errors`.
 */
export interface IProblemFieldError {
  field: string;
  message: string;
}

/**
 * An `application/problem+json` error body (RFC 9457).
 */
export interface IProblem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  message?: string;
  errors?: IProblemFieldError[];
}

/**
 * What every paged list answers besides its items.
 */
export interface IPage {
  totalCount: number;
  page: number;
  pageSize: number;
  hasNextPage: boolean;
}

/**
 * Paging of any list.
 */
export interface IPageQuery {
  /**
   * 1-based page number (server default 1).
   */
  page?: number;
  /**
   * Rows per page, 1–100 (server default 20).
   */
  pageSize?: number;
}

/**
 * A tenant/project pair: the scope of every notebook, dataset and execution.
 */
export interface IProjectRef {
  tenantId: string;
  projectId: string;
}

// -- server and projects --------------------------------------------------------------------

/**
 * `GET api/mindzie/info`: the server's version, the signed-in user and their tenants.
 */
export interface IServerInfo {
  version: string;
  user: {
    username: string;
    name?: string;
  };
  /**
   * The tenant GUIDs this user may reach; `'*'` means all of them.
   */
  tenants: string[] | '*';
  /**
   * The tenants where this user may also run notebooks (execute, cancel).
   */
  executeTenants?: string[] | '*';
}

/**
 * One reachable project that holds notebooks or datasets.
 */
export interface IProjectSummary extends IProjectRef {
  notebookCount: number;
  datasetCount: number;
}

/**
 * `GET api/mindzie/projects`.
 */
export interface IProjectList {
  projects: IProjectSummary[];
  tenants: string[] | '*';
}

// -- notebooks ------------------------------------------------------------------------------

/**
 * A notebook's state, as the API reports it.
 */
export type NotebookStatus = 'Ready' | 'Running' | 'Error' | 'Kernel_Dead';

export const NOTEBOOK_STATUSES: NotebookStatus[] = [
  'Ready',
  'Running',
  'Error',
  'Kernel_Dead'
];

/**
 * Where a run's enriched data goes.
 */
export type OutputFormat = 'enriched_dataframe' | 'csv' | 'parquet' | 'json';

export const OUTPUT_FORMATS: OutputFormat[] = [
  'enriched_dataframe',
  'csv',
  'parquet',
  'json'
];

/**
 * Templates a new notebook can start from.
 */
export type NotebookTemplate = 'blank' | 'process_mining_starter';

/**
 * How a notebook integrates with mindzie data (kept in its `metadata.mindzie`).
 */
export interface IIntegration {
  enrichmentMode: boolean;
  datasetBinding: string | null;
  outputFormat: OutputFormat;
  autoExecution: boolean;
  /**
   * A 5-field cron expression (UTC), or null.
   */
  scheduleExecution: string | null;
}

/**
 * One row of `GET api/{tenantId}/{projectId}/notebooks`.
 */
export interface INotebookListItem {
  notebookId: string;
  notebookName: string;
  kernelType: string;
  status: NotebookStatus;
  enrichmentMode: boolean;
  cellCount: number;
  lastExecutionDate: string | null;
  dateCreated: string;
  notebookVersion?: string;
  path?: string;
}

/**
 * A page of notebooks.
 */
export interface INotebookList extends IPage {
  notebooks: INotebookListItem[];
}

/**
 * Filters and paging for the notebook list.
 */
export interface INotebookListQuery extends IPageQuery {
  status?: NotebookStatus;
  kernelType?: string;
  enrichmentMode?: boolean;
}

/**
 * A cell of a notebook, as the notebook object lists it.
 */
export interface INotebookCell {
  cellId: string;
  cellType: 'code' | 'markdown' | 'raw';
  executionCount?: number | null;
  hasOutput?: boolean;
  lastExecuted?: string | null;
  executionStatus?: string | null;
  lastModified?: string | null;
  /**
   * The source, with `?includeContent=true`.
   */
  content?: string;
}

/**
 * The notebook object.
 */
export interface INotebook extends IProjectRef {
  notebookId: string;
  notebookName: string;
  notebookDescription: string | null;
  notebookVersion: string;
  kernelType: string;
  status: NotebookStatus;
  integration: IIntegration;
  cells: INotebookCell[];
  environment: {
    pythonVersion: string | null;
    packages: string[];
    customLibraries: string[];
  };
  dateCreated: string;
  dateModified: string;
  createdBy: string;
  lastExecutionDate: string | null;
  executionCount: number;
  /**
   * The `.ipynb` file, relative to the server's root (open it with the document manager).
   */
  path: string;
  validation?: { warnings: string[] };
}

/**
 * `POST …/notebook`.
 */
export interface INotebookCreate {
  notebookName: string;
  notebookDescription?: string | null;
  kernelType?: string;
  template?: NotebookTemplate;
  integration?: Partial<IIntegration>;
  environment?: { packages?: string[]; customLibraries?: string[] };
  initialCells?: Array<{
    cellType: 'code' | 'markdown' | 'raw';
    content: string;
  }>;
}

/**
 * `PUT …/notebook/{id}`: a partial update.
 */
export interface INotebookUpdate {
  notebookName?: string;
  notebookDescription?: string | null;
  integration?: Partial<IIntegration>;
  environment?: { packages?: string[]; customLibraries?: string[] };
  cells?: Array<{
    cellId?: string;
    cellType: 'code' | 'markdown' | 'raw';
    content: string;
  }>;
}

/**
 * `POST …/notebook/upload`: the form fields besides the file.
 */
export interface INotebookUpload {
  notebookName?: string;
  notebookDescription?: string;
  enrichmentMode?: boolean;
  datasetBinding?: string | null;
}

/**
 * One name of a notebook's `parameters` cell, as papermill infers it.
 */
export interface INotebookParameter {
  name: string;
  /**
   * Python type name (`str`, `int`, `float`, `bool`, `list`, `dict`, …), or null when unknown.
   */
  type: string | null;
  /**
   * The default as Python source text (`'case_id'`, `3`, `None`).
   */
  default: string;
  help: string;
}

/**
 * `GET …/notebook/{id}/parameters`.
 */
export interface INotebookParameters {
  notebookId: string;
  notebookVersion: string;
  parameters: INotebookParameter[];
}

/**
 * One version of a notebook.
 */
export interface INotebookVersion {
  version: string;
  change: string;
  createdBy: string | null;
  dateCreated: string;
  notebookName: string | null;
}

export interface INotebookVersionList extends IPage {
  versions: INotebookVersion[];
}

// -- datasets -------------------------------------------------------------------------------

/**
 * A dataset (CSV or Parquet) of a project.
 */
export interface IDataset {
  datasetId: string;
  tenantId?: string;
  projectId?: string;
  name: string;
  recordCount: number;
  columns: string[];
  format: string;
  size?: number;
  dateCreated: string;
  createdBy?: string;
  columnTypes?: Record<string, string>;
}

export interface IDatasetList extends IPage {
  datasets: IDataset[];
}

// -- executions -----------------------------------------------------------------------------

/**
 * An execution's status: `Running` until it ends in one of the three others.
 */
export type ExecutionStatus = 'Running' | 'Completed' | 'Error' | 'Cancelled';

/**
 * The finer state of an execution.
 */
export type ExecutionPhase =
  | 'Queued'
  | 'Starting'
  | 'Executing'
  | 'Finishing'
  | 'Completed'
  | 'Error'
  | 'Cancelled';

export type Priority = 'Low' | 'Normal' | 'High';

export type CellStatus =
  'Success' | 'Error' | 'Skipped' | 'Pending' | 'Running';

/**
 * `POST …/notebook/{id}/execute`.
 */
export interface IExecuteRequest {
  executionMode?: 'all' | 'range';
  cellRange?: { startCell: string; endCell: string };
  parameters?: Record<string, unknown>;
  outputOptions?: {
    captureOutputs?: boolean;
    saveIntermediateResults?: boolean;
    generateReport?: boolean;
  };
  /**
   * Seconds for the whole execution.
   */
  timeout?: number;
  priority?: Priority;
  stopOnError?: boolean;
}

export interface IExecutionProgress {
  totalCells: number;
  completedCells: number;
  successfulCells?: number;
  failedCells?: number;
  currentCellIndex?: number;
  percentComplete: number;
}

/**
 * The 202 answer of `…/execute`.
 */
export interface IExecutionAccepted {
  executionId: string;
  notebookId: string;
  status: ExecutionStatus;
  phase: ExecutionPhase;
  startTime: string;
  estimatedDuration: string;
  currentCell: string | null;
  progress: IExecutionProgress;
  parameters: Record<string, unknown>;
  priority?: Priority;
}

/**
 * One cell of a run.
 */
export interface ICellResult {
  cellId: string;
  status: CellStatus;
  executionTime: string | null;
  executionTimeSeconds: number | null;
  hasOutput: boolean;
  outputType: string | null;
  errorType: string | null;
  errorMessage: string | null;
}

/**
 * What a run used, in human and numeric forms (null where it cannot be measured).
 */
export interface IResources {
  peakMemoryUsage: string | null;
  cpuTime: string | null;
  diskUsage: string | null;
  peakMemoryBytes: number | null;
  cpuTimeSeconds: number | null;
  diskUsageBytes: number | null;
}

/**
 * The answer of `followExecution`.
 */
export interface IExecutionNews {
  /**
   * The new status, or null when it has not changed.
   */
  execution: IExecution | null;
  /**
   * Names the status the client now has; send it back to wait for the next change.
   */
  etag: string | null;
  /**
   * True when the server waited for a change (so the client may ask again at once).
   */
  waited: boolean;
}

/**
 * `GET …/execution/{id}`.
 */
export interface IExecution {
  executionId: string;
  notebookId: string;
  status: ExecutionStatus;
  phase: ExecutionPhase;
  queuePosition?: number;
  startTime: string;
  endTime: string | null;
  totalDuration: string | null;
  totalDurationSeconds: number | null;
  currentCell: string | null;
  progress: IExecutionProgress;
  cellResults: ICellResult[];
  outputs?: {
    dataFrames: number;
    plots: number;
    models: number;
    enrichedData: { recordCount: number; newColumns: string[] } | null;
  };
  resources?: IResources;
  parameters: Record<string, unknown>;
  priority?: Priority;
  source?: string;
  notebookVersion?: string;
  errorType: string | null;
  errorMessage: string | null;
}

/**
 * One line of `GET …/notebook/{id}/executions`.
 */
export interface IExecutionSummary {
  executionId: string;
  status: ExecutionStatus;
  phase: ExecutionPhase;
  startTime: string;
  endTime: string | null;
  totalDuration: string | null;
  totalDurationSeconds: number | null;
  progress: IExecutionProgress;
  parameters: Record<string, unknown>;
  priority?: Priority;
  source?: string;
  notebookVersion?: string;
  errorType: string | null;
  peakMemoryBytes: number | null;
  cpuTimeSeconds: number | null;
}

export interface IExecutionList extends IPage {
  executions: IExecutionSummary[];
}

// -- results --------------------------------------------------------------------------------

export type ResultsOutputType = 'all' | 'data' | 'plots' | 'models' | 'reports';

export interface IResultsQuery {
  format?: 'summary' | 'detailed';
  outputType?: ResultsOutputType;
  cellId?: string;
}

/**
 * One output of a run, stored as an artifact in its richest MIME type.
 */
export interface IResultOutput {
  cellId: string | null;
  /**
   * The MIME type for images and JSON, else the nbformat output type.
   */
  outputType: string | null;
  /**
   * The MIME type of the stored artifact.
   */
  contentType: string;
  title: string | null;
  /**
   * Text, or the JSON value, with `format=detailed`; null for images and large files.
   */
  content?: unknown;
  dimensions: { width: number; height: number } | null;
  downloadUrl: string;
  truncated?: boolean;
}

export interface IEnrichedDataset {
  name: string;
  recordCount: number | null;
  newColumns: string[];
  format: string | null;
  downloadUrl: string | null;
}

export interface IModelResult {
  name: string;
  modelType: string | null;
  accuracy: number | null;
  features: string[];
  /**
   * Every metric published with the model, when the server sends them.
   */
  metrics?: Record<string, unknown> | null;
  downloadUrl: string | null;
}

export interface IReport {
  name: string;
  format: string | null;
  downloadUrl: string;
}

/**
 * `GET …/execution/{id}/results`.
 */
export interface IResults {
  executionId: string;
  status: ExecutionStatus;
  outputs: IResultOutput[];
  enrichedDatasets: IEnrichedDataset[];
  models: IModelResult[];
  reports: IReport[];
  executedNotebook: { name: string; downloadUrl: string } | null;
  counts?: {
    outputs: number;
    enrichedDatasets: number;
    models: number;
    reports: number;
  };
}

// -- the service ----------------------------------------------------------------------------

/**
 * Typed access to the mindzie REST API of the Jupyter server: one method per endpoint.
 */
export interface IMindzieService {
  /**
   * The server's version, the current user and their tenants.
   */
  info(): Promise<IServerInfo>;

  /**
   * The tenant/project pairs the user reaches that hold anything.
   */
  listProjects(): Promise<IProjectList>;

  /**
   * A page of a project's notebooks, newest first.
   */
  listNotebooks(
    project: IProjectRef,
    query?: INotebookListQuery
  ): Promise<INotebookList>;

  createNotebook(
    project: IProjectRef,
    request: INotebookCreate
  ): Promise<INotebook>;

  uploadNotebook(
    project: IProjectRef,
    file: Blob,
    fileName: string,
    fields?: INotebookUpload
  ): Promise<INotebook>;

  getNotebook(
    project: IProjectRef,
    notebookId: string,
    options?: { includeContent?: boolean }
  ): Promise<INotebook>;

  /**
   * Update a notebook; with `ifMatch` (its version) a stale update is refused with 412.
   */
  updateNotebook(
    project: IProjectRef,
    notebookId: string,
    changes: INotebookUpdate,
    ifMatch?: string
  ): Promise<INotebook>;

  deleteNotebook(project: IProjectRef, notebookId: string): Promise<void>;

  getParameters(
    project: IProjectRef,
    notebookId: string
  ): Promise<INotebookParameters>;

  listVersions(
    project: IProjectRef,
    notebookId: string,
    query?: IPageQuery
  ): Promise<INotebookVersionList>;

  listDatasets(project: IProjectRef, query?: IPageQuery): Promise<IDatasetList>;

  uploadDataset(
    project: IProjectRef,
    file: Blob,
    fileName: string,
    name?: string
  ): Promise<IDataset>;

  getDataset(project: IProjectRef, datasetId: string): Promise<IDataset>;

  deleteDataset(project: IProjectRef, datasetId: string): Promise<void>;

  execute(
    project: IProjectRef,
    notebookId: string,
    request: IExecuteRequest
  ): Promise<IExecutionAccepted>;

  getExecution(
    project: IProjectRef,
    notebookId: string,
    executionId: string
  ): Promise<IExecution>;

  /**
   * The execution's status once it differs from the one named by `etag`: the server holds
   * the request up to `waitSeconds` for a change (`Prefer: wait`), then answers unchanged
   * (`execution: null`). Without an `etag` the status is answered at once.
   */
  followExecution(
    project: IProjectRef,
    notebookId: string,
    executionId: string,
    etag: string | null,
    waitSeconds: number,
    signal?: AbortSignal
  ): Promise<IExecutionNews>;

  cancelExecution(
    project: IProjectRef,
    notebookId: string,
    executionId: string
  ): Promise<IExecution>;

  listExecutions(
    project: IProjectRef,
    notebookId: string,
    query?: IPageQuery
  ): Promise<IExecutionList>;

  getResults(
    project: IProjectRef,
    notebookId: string,
    executionId: string,
    query?: IResultsQuery
  ): Promise<IResults>;

  /**
   * The zip of every artifact of an execution.
   */
  downloadResults(
    project: IProjectRef,
    notebookId: string,
    executionId: string
  ): Promise<Blob>;

  /**
   * An artifact at a `downloadUrl` of this server, with the page's credentials.
   */
  fetchArtifact(downloadUrl: string): Promise<Blob>;
}

/**
 * The token that provides the mindzie service to other plugins.
 */
export const IMindzieService = new Token<IMindzieService>(
  'jupyter-mindzie:IMindzieService',
  'Typed access to the mindzie REST API of the Jupyter server.'
);
