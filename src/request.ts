/**
 * Calls to the Jupyter server's REST API that turn error answers into typed errors.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { formatLocale } from './format';
import { IProblem } from './tokens';

/**
 * A non-2xx answer from the server, with the problem it sent.
 */
export class MindzieRequestError extends Error {
  constructor(
    readonly status: number,
    readonly problem: IProblem
  ) {
    const { trans } = formatLocale();
    super(
      problem.detail ||
        problem.message ||
        problem.title ||
        trans.__('Request failed with status %1', status)
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
  const { text } = await Private.send(path, init, settings);
  // 204 and friends carry no body.
  return (text ? JSON.parse(text) : undefined) as T;
}

/**
 * An answer to a conditional GET: the body and its ETag, or `body: null` when the server
 * answered 304 (unchanged since the ETag sent).
 */
export interface ITaggedAnswer<T> {
  body: T | null;
  etag: string | null;
  /**
   * True when the server honoured `Prefer: wait` (it waited for a change before answering).
   */
  waited: boolean;
}

/**
 * GET `path` with extra headers (If-None-Match, Prefer) and keep the answer's ETag.
 *
 * @throws {MindzieRequestError} when the server answers with an error status.
 * @throws {ServerConnection.NetworkError} when the server cannot be reached.
 */
export async function requestTagged<T>(
  path: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<ITaggedAnswer<T>> {
  const { response, text } = await Private.send(
    path,
    { method: 'GET', headers, signal },
    settings
  );
  return {
    body: response.status === 304 ? null : (JSON.parse(text) as T),
    etag: response.headers.get('ETag'),
    waited: response.headers.has('Preference-Applied')
  };
}

/**
 * Fetch a file of the server (an artifact) with the page's credentials.
 *
 * `url` may be absolute (as the API's `downloadUrl`s are) or relative to the base URL. An
 * absolute URL is re-rooted on the page's own server, so a proxy that rewrote the host the
 * server saw still works.
 *
 * @throws {MindzieRequestError} when the server answers with a non-2xx status.
 */
export async function requestBlob(
  url: string,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<Blob> {
  const target = Private.onServer(url, settings);
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(
      target,
      Private.withSettingsHeaders({ method: 'GET' }, settings),
      settings
    );
  } catch (error) {
    throw new ServerConnection.NetworkError(error as TypeError);
  }
  if (!response.ok) {
    const text = await response.text();
    throw new MindzieRequestError(
      response.status,
      Private.toProblem(response, text)
    );
  }
  return response.blob();
}

/**
 * The message to show for any failure of a call: the problem's message, or why the server
 * could not be reached.
 */
export function errorMessage(reason: unknown): string {
  const { trans } = formatLocale();
  if (reason instanceof MindzieRequestError) {
    const fields = reason.problem.errors ?? [];
    const base = reason.message;
    // The field list repeats the message when there is only one field.
    if (fields.length > 1) {
      const list = fields.map(e => `${e.field}: ${e.message}`).join('; ');
      return trans._p('error with its fields', '%1 (%2)', base, list);
    }
    return base;
  }
  if (reason instanceof ServerConnection.NetworkError) {
    return trans.__('Cannot reach the Jupyter server: %1', reason.message);
  }
  if (reason instanceof Error) {
    return reason.message || String(reason);
  }
  return String(reason);
}

namespace Private {
  /**
   * Send one request to `path` under the base URL and read its body. An error status throws
   * its problem; 304 (an answer to the caller's own If-None-Match) does not.
   */
  export async function send(
    path: string,
    init: RequestInit,
    settings: ServerConnection.ISettings
  ): Promise<{ response: Response; text: string }> {
    const url = URLExt.join(settings.baseUrl, path);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(
        url,
        withSettingsHeaders(init, settings),
        settings
      );
    } catch (error) {
      if (init.signal?.aborted) {
        throw error; // the caller gave up: not a network failure
      }
      throw new ServerConnection.NetworkError(error as TypeError);
    }
    const text = await response.text();
    if (!response.ok && response.status !== 304) {
      throw new MindzieRequestError(response.status, toProblem(response, text));
    }
    return { response, text };
  }

  /**
   * `init` with the headers of `settings.init` (Accept-Language) beneath its own:
   * ServerConnection lets the call's headers replace the settings' headers whole.
   */
  export function withSettingsHeaders(
    init: RequestInit,
    settings: ServerConnection.ISettings
  ): RequestInit {
    const headers = new Headers(settings.init?.headers);
    new Headers(init.headers).forEach((value, name) =>
      headers.set(name, value)
    );
    return { ...init, headers };
  }

  /**
   * A URL under the settings' base URL for `url` (absolute or relative to the base URL).
   */
  export function onServer(
    url: string,
    settings: ServerConnection.ISettings
  ): string {
    const base = new URL(settings.baseUrl, window.location.href);
    const parsed = new URL(url, base);
    const local = base.origin + parsed.pathname + parsed.search;
    if (!local.startsWith(base.href)) {
      const { trans } = formatLocale();
      throw new Error(trans.__('Not a URL of this Jupyter server: %1', url));
    }
    return local;
  }

  /**
   * Read a problem from an error body; a body that is not one (a proxy's HTML page, say)
   * still yields a problem with a useful message.
   */
  export function toProblem(response: Response, text: string): IProblem {
    const { trans } = formatLocale();
    const detail = trans
      .__('The server answered %1 %2', response.status, response.statusText)
      .trim();
    const fallback: IProblem = {
      type: 'about:blank',
      title: response.statusText || trans.__('Error'),
      status: response.status,
      detail,
      message: detail
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
