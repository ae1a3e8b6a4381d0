/**
 * Calls to the Jupyter server's REST API that turn error answers into typed errors.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { IProblem } from './tokens';

/**
 * A non-2xx answer from the server, with the problem it sent.
 */
export class MindzieRequestError extends Error {
  constructor(
    readonly status: number,
    readonly problem: IProblem
  ) {
    super(
      problem.detail ||
        problem.message ||
        problem.title ||
        `Request failed with status ${status}`
    );
    this.name = 'MindzieRequestError';
  }
}

/**
 * Call the server at `path` (relative to its base URL) and return the parsed JSON answer.
 *
 * @throws {MindzieRequestError} when the server answers with a non-2xx status.
 * @throws {ServerConnection.NetworkError} when the server cannot be reached.
 */
export async function requestAPI<T>(
  path: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, path);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }

  const text = await response.text();
  if (!response.ok) {
    throw new MindzieRequestError(
      response.status,
      Private.toProblem(response, text)
    );
  }
  // 204 and friends carry no body.
  return (text ? JSON.parse(text) : undefined) as T;
}

namespace Private {
  /**
   * Read a problem from an error body; a body that is not one (a proxy's HTML page, say)
   * still yields a problem with a useful message.
   */
  export function toProblem(response: Response, text: string): IProblem {
    const fallback: IProblem = {
      type: 'about:blank',
      title: response.statusText || 'Error',
      status: response.status,
      detail: `The server answered ${response.status} ${response.statusText}`.trim()
    };
    if (!text) {
      return fallback;
    }
    try {
      const body = JSON.parse(text) as Partial<IProblem> | null;
      if (body && typeof body === 'object') {
        return { ...fallback, ...body, status: body.status ?? response.status };
      }
    } catch {
      // Not JSON: keep the fallback.
    }
    return fallback;
  }
}
