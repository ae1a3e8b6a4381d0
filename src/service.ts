/**
 * MindzieService: one typed method per endpoint of the mindzie REST API.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { requestAPI, requestBlob, requestTagged } from './request';
import {
  IDataset,
  IDatasetList,
  IDatasetPreview,
  IExecuteRequest,
  IExecution,
  IExecutionAccepted,
  IExecutionList,
  IExecutionNews,
  IMindzieService,
  INotebook,
  INotebookCreate,
  INotebookList,
  INotebookListQuery,
  INotebookParameters,
  INotebookUpdate,
  INotebookUpload,
  INotebookVersionList,
  IPageQuery,
  IProjectList,
  IProjectNaming,
  IProjectRef,
  IProjectSummary,
  IResults,
  IResultsQuery,
  IServerInfo
} from './tokens';

/**
 * Talks to the mindzie endpoints of the Jupyter server this Lab runs on.
 */
export class MindzieService implements IMindzieService {
  constructor(options: MindzieService.IOptions = {}) {
    const settings = options.serverSettings ?? ServerConnection.makeSettings();
    // The server answers problems in this language (English and Japanese).
    this.serverSettings = options.language
      ? {
          ...settings,
          init: {
            ...settings.init,
            headers: {
              ...Private.plainHeaders(settings.init?.headers),
              'Accept-Language': options.language
            }
          }
        }
      : settings;
  }

  /**
   * The connection settings used for every call.
   */
  readonly serverSettings: ServerConnection.ISettings;

  info(): Promise<IServerInfo> {
    return this._get<IServerInfo>('api/mindzie/info');
  }

  listProjects(): Promise<IProjectList> {
    return this._get<IProjectList>('api/mindzie/projects');
  }

  nameProject(
    project: IProjectRef,
    names: IProjectNaming
  ): Promise<IProjectSummary> {
    return this._send<IProjectSummary>(
      'PUT',
      URLExt.join(
        'api/mindzie/projects',
        encodeURIComponent(project.tenantId),
        encodeURIComponent(project.projectId)
      ),
      names
    );
  }

  // -- notebooks ----------------------------------------------------------------------------

  listNotebooks(
    project: IProjectRef,
    query: INotebookListQuery = {}
  ): Promise<INotebookList> {
    return this._get<INotebookList>(Private.path(project, 'notebooks'), query);
  }

  createNotebook(
    project: IProjectRef,
    request: INotebookCreate
  ): Promise<INotebook> {
    return this._send<INotebook>(
      'POST',
      Private.path(project, 'notebook'),
      request
    );
  }

  uploadNotebook(
    project: IProjectRef,
    file: Blob,
    fileName: string,
    fields: INotebookUpload = {}
  ): Promise<INotebook> {
    const form = new FormData();
    form.append('file', file, fileName);
    if (fields.notebookName) {
      form.append('notebookName', fields.notebookName);
    }
    if (fields.notebookDescription) {
      form.append('notebookDescription', fields.notebookDescription);
    }
    if (fields.enrichmentMode !== undefined) {
      form.append('enrichmentMode', String(fields.enrichmentMode));
    }
    if (fields.datasetBinding) {
      form.append('datasetBinding', fields.datasetBinding);
    }
    return requestAPI<INotebook>(
      Private.path(project, 'notebook', 'upload'),
      { method: 'POST', body: form },
      this.serverSettings
    );
  }

  getNotebook(
    project: IProjectRef,
    notebookId: string,
    options: { includeContent?: boolean } = {}
  ): Promise<INotebook> {
    return this._get<INotebook>(
      Private.path(project, 'notebook', notebookId),
      options.includeContent ? { includeContent: true } : {}
    );
  }

  updateNotebook(
    project: IProjectRef,
    notebookId: string,
    changes: INotebookUpdate,
    ifMatch?: string
  ): Promise<INotebook> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json'
    };
    if (ifMatch) {
      headers['If-Match'] = `"${ifMatch}"`;
    }
    return requestAPI<INotebook>(
      Private.path(project, 'notebook', notebookId),
      { method: 'PUT', body: JSON.stringify(changes), headers },
      this.serverSettings
    );
  }

  deleteNotebook(project: IProjectRef, notebookId: string): Promise<void> {
    return requestAPI<void>(
      Private.path(project, 'notebook', notebookId),
      { method: 'DELETE' },
      this.serverSettings
    );
  }

  getParameters(
    project: IProjectRef,
    notebookId: string
  ): Promise<INotebookParameters> {
    return this._get<INotebookParameters>(
      Private.path(project, 'notebook', notebookId, 'parameters')
    );
  }

  listVersions(
    project: IProjectRef,
    notebookId: string,
    query: IPageQuery = {}
  ): Promise<INotebookVersionList> {
    return this._get<INotebookVersionList>(
      Private.path(project, 'notebook', notebookId, 'versions'),
      query
    );
  }

  // -- datasets -----------------------------------------------------------------------------

  listDatasets(
    project: IProjectRef,
    query: IPageQuery = {}
  ): Promise<IDatasetList> {
    return this._get<IDatasetList>(Private.path(project, 'datasets'), query);
  }

  uploadDataset(
    project: IProjectRef,
    file: Blob,
    fileName: string,
    name?: string
  ): Promise<IDataset> {
    const form = new FormData();
    form.append('file', file, fileName);
    if (name && name.trim()) {
      form.append('name', name.trim());
    }
    return requestAPI<IDataset>(
      Private.path(project, 'dataset'),
      { method: 'POST', body: form },
      this.serverSettings
    );
  }

  getDataset(project: IProjectRef, datasetId: string): Promise<IDataset> {
    return this._get<IDataset>(Private.path(project, 'dataset', datasetId));
  }

  previewDataset(
    project: IProjectRef,
    datasetId: string,
    rows?: number
  ): Promise<IDatasetPreview> {
    return this._get<IDatasetPreview>(
      Private.path(project, 'dataset', datasetId, 'preview'),
      rows ? { rows } : {}
    );
  }

  downloadDataset(project: IProjectRef, datasetId: string): Promise<Blob> {
    return requestBlob(
      Private.path(project, 'dataset', datasetId, 'download'),
      this.serverSettings
    );
  }

  deleteDataset(project: IProjectRef, datasetId: string): Promise<void> {
    return requestAPI<void>(
      Private.path(project, 'dataset', datasetId),
      { method: 'DELETE' },
      this.serverSettings
    );
  }

  // -- executions ---------------------------------------------------------------------------

  execute(
    project: IProjectRef,
    notebookId: string,
    request: IExecuteRequest
  ): Promise<IExecutionAccepted> {
    // runs asked for here are the panel's: the history labels them so
    return this._send<IExecutionAccepted>(
      'POST',
      Private.path(project, 'notebook', notebookId, 'execute'),
      { source: 'panel', ...request }
    );
  }

  getExecution(
    project: IProjectRef,
    notebookId: string,
    executionId: string
  ): Promise<IExecution> {
    return this._get<IExecution>(
      Private.path(project, 'notebook', notebookId, 'execution', executionId)
    );
  }

  async followExecution(
    project: IProjectRef,
    notebookId: string,
    executionId: string,
    etag: string | null,
    waitSeconds: number,
    signal?: AbortSignal
  ): Promise<IExecutionNews> {
    const headers: Record<string, string> = {};
    if (etag && waitSeconds > 0) {
      headers['If-None-Match'] = etag;
      headers['Prefer'] = `wait=${Math.floor(waitSeconds)}`;
    }
    const answer = await requestTagged<IExecution>(
      Private.path(project, 'notebook', notebookId, 'execution', executionId),
      headers,
      signal,
      this.serverSettings
    );
    return { execution: answer.body, etag: answer.etag, waited: answer.waited };
  }

  cancelExecution(
    project: IProjectRef,
    notebookId: string,
    executionId: string
  ): Promise<IExecution> {
    return this._send<IExecution>(
      'POST',
      Private.path(
        project,
        'notebook',
        notebookId,
        'execution',
        executionId,
        'cancel'
      ),
      {}
    );
  }

  listExecutions(
    project: IProjectRef,
    notebookId: string,
    query: IPageQuery = {}
  ): Promise<IExecutionList> {
    return this._get<IExecutionList>(
      Private.path(project, 'notebook', notebookId, 'executions'),
      query
    );
  }

  getResults(
    project: IProjectRef,
    notebookId: string,
    executionId: string,
    query: IResultsQuery = {}
  ): Promise<IResults> {
    return this._get<IResults>(
      Private.path(
        project,
        'notebook',
        notebookId,
        'execution',
        executionId,
        'results'
      ),
      query
    );
  }

  downloadResults(
    project: IProjectRef,
    notebookId: string,
    executionId: string
  ): Promise<Blob> {
    const path =
      Private.path(
        project,
        'notebook',
        notebookId,
        'execution',
        executionId,
        'results'
      ) + URLExt.objectToQueryString({ format: 'download' });
    return requestBlob(path, this.serverSettings);
  }

  fetchArtifact(downloadUrl: string): Promise<Blob> {
    return requestBlob(downloadUrl, this.serverSettings);
  }

  // -- helpers ------------------------------------------------------------------------------

  private _get<T>(path: string, query: object = {}): Promise<T> {
    return requestAPI<T>(
      path + Private.queryString(query),
      { method: 'GET' },
      this.serverSettings
    );
  }

  private _send<T>(method: string, path: string, body: unknown): Promise<T> {
    return requestAPI<T>(
      path,
      {
        method,
        body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json' }
      },
      this.serverSettings
    );
  }
}

export namespace MindzieService {
  export interface IOptions {
    /**
     * Connection settings; the page's own server by default.
     */
    serverSettings?: ServerConnection.ISettings;
    /**
     * JupyterLab's language, sent as `Accept-Language` (a BCP 47 tag, "ja-JP").
     */
    language?: string;
  }
}

namespace Private {
  /**
   * Any HeadersInit as a plain object.
   */
  export function plainHeaders(
    headers: HeadersInit | undefined
  ): Record<string, string> {
    const plain: Record<string, string> = {};
    new Headers(headers).forEach((value, name) => {
      plain[name] = value;
    });
    return plain;
  }

  /**
   * `api/{tenantId}/{projectId}/…parts`, each part URL-encoded.
   */
  export function path(project: IProjectRef, ...parts: string[]): string {
    return URLExt.join(
      'api',
      ...[project.tenantId, project.projectId, ...parts].map(part =>
        encodeURIComponent(part)
      )
    );
  }

  /**
   * `?a=1&b=true` from the defined values of `query` (or '' when none).
   */
  export function queryString(query: object): string {
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') {
        params[key] = String(value);
      }
    }
    return Object.keys(params).length ? URLExt.objectToQueryString(params) : '';
  }
}
