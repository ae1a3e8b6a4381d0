/**
 * MindzieService: one typed method per endpoint of the mindzie REST API.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { requestAPI } from './request';
import {
  IMindzieService,
  INotebookList,
  INotebookListQuery,
  IServerInfo
} from './tokens';

/**
 * Talks to the mindzie endpoints of the Jupyter server this Lab runs on.
 */
export class MindzieService implements IMindzieService {
  constructor(options: MindzieService.IOptions = {}) {
    this.serverSettings =
      options.serverSettings ?? ServerConnection.makeSettings();
  }

  /**
   * The connection settings used for every call.
   */
  readonly serverSettings: ServerConnection.ISettings;

  info(): Promise<IServerInfo> {
    return requestAPI<IServerInfo>(
      'api/mindzie/info',
      { method: 'GET' },
      this.serverSettings
    );
  }

  listNotebooks(
    tenantId: string,
    projectId: string,
    query: INotebookListQuery = {}
  ): Promise<INotebookList> {
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) {
        params[key] = String(value);
      }
    }
    const path =
      URLExt.join(
        'api',
        encodeURIComponent(tenantId),
        encodeURIComponent(projectId),
        'notebooks'
      ) + URLExt.objectToQueryString(params);
    return requestAPI<INotebookList>(
      path,
      { method: 'GET' },
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
  }
}
