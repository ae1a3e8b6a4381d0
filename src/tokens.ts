/**
 * The mindzie service token and the types of the REST API it speaks: those of the JSON
 * Schemas of schema/api (generated into `api-types.ts`), under the names the panel uses.
 */
import { Token } from '@lumino/coreutils';

import type {
  ICellSummary,
  IDataset,
  IDatasetList,
  IDatasetPreview,
  IEnrichedDatasetItem,
  IExecuteRequest,
  IExecution,
  IExecutionAccepted,
  IExecutionList,
  IExecutionListItem,
  IInfo,
  IModelItem,
  INotebook,
  INotebookCreate,
  INotebookList,
  INotebookListQuery,
  INotebookParameters,
  INotebookUpdate,
  INotebookUpload as INotebookUploadFields,
  INotebookVersions,
  IOutputItem,
  IPageQuery,
  IParameterItem,
  IProblem,
  IProgress,
  IProject,
  IProjectNames,
  IProjects,
  IReportItem,
  IResults,
  IResultsQuery,
  IVersionItem
} from './api-types';

export type * from './api-types';
export type {
  CellStatus,
  NotebookTemplate,
  OutputFormat,
  ResultsOutputType,
  TerminalStatus
} from './contract';

// -- the API's types under the panel's names ------------------------------------------------

export type IProblemFieldError = NonNullable<IProblem['errors']>[number];
export type IServerInfo = IInfo;
export type IProjectList = IProjects;
export type IProjectSummary = IProject;
export type IProjectNaming = IProjectNames;
export type INotebookCell = ICellSummary;
export type INotebookParameter = IParameterItem;
export type INotebookVersion = IVersionItem;
export type INotebookVersionList = INotebookVersions;
export type IExecutionProgress = IProgress;
export type IResources = IExecution['resources'];
export type IExecutionSummary = IExecutionListItem;
export type IResultOutput = IOutputItem;
export type IEnrichedDataset = IEnrichedDatasetItem;
export type IModelResult = IModelItem;
export type IReport = IReportItem;

/**
 * The form fields of `uploadNotebook`, `enrichmentMode` as a boolean (the service sends it
 * as the text the schema names).
 */
export type INotebookUpload = Omit<INotebookUploadFields, 'enrichmentMode'> & {
  enrichmentMode?: boolean;
};

// -- the panel's own ------------------------------------------------------------------------

/**
 * A tenant/project pair: the scope of every notebook, dataset and execution.
 */
export interface IProjectRef {
  tenantId: string;
  projectId: string;
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
   * Give a tenant and a project display names (`null` forgets one, an absent field keeps it).
   * Needs the execute grant on the tenant; folders and paths keep the GUIDs.
   */
  nameProject(
    project: IProjectRef,
    names: IProjectNaming
  ): Promise<IProjectSummary>;

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

  /**
   * The dataset's columns with their types and its first `rows` rows (server default 20).
   */
  previewDataset(
    project: IProjectRef,
    datasetId: string,
    rows?: number
  ): Promise<IDatasetPreview>;

  /**
   * The dataset's file (a CSV with a UTF-8 BOM, for Excel; a Parquet file as stored).
   */
  downloadDataset(project: IProjectRef, datasetId: string): Promise<Blob>;

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
