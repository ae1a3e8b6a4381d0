/**
 * The mindzie service token and the types of the REST API it speaks.
 */
import { Token } from '@lumino/coreutils';

/**
 * A notebook's state, as the API reports it.
 */
export type NotebookStatus = 'Ready' | 'Running' | 'Error' | 'Kernel_Dead';

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
   * The tenants this user may reach; `'*'` means all of them.
   */
  tenants: Array<{ tenantId: string }> | '*';
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
}

/**
 * A page of notebooks.
 */
export interface INotebookList {
  notebooks: INotebookListItem[];
  totalCount: number;
  page: number;
  pageSize: number;
  hasNextPage: boolean;
}

/**
 * Filters and paging for the notebook list.
 */
export interface INotebookListQuery {
  status?: NotebookStatus;
  kernelType?: string;
  enrichmentMode?: boolean;
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
 * Typed access to the mindzie REST API of the Jupyter server.
 */
export interface IMindzieService {
  /**
   * The server's version, the current user and their tenants.
   */
  info(): Promise<IServerInfo>;

  /**
   * A page of a project's notebooks, newest first.
   */
  listNotebooks(
    tenantId: string,
    projectId: string,
    query?: INotebookListQuery
  ): Promise<INotebookList>;
}

/**
 * The token that provides the mindzie service to other plugins.
 */
export const IMindzieService = new Token<IMindzieService>(
  'jupyter-mindzie:IMindzieService',
  'Typed access to the mindzie REST API of the Jupyter server.'
);
