/**
 * ServerInfoView: shows which mindzie server the panel talks to, or why it cannot.
 */
import { Widget } from '@lumino/widgets';

import { MindzieRequestError } from '../request';
import { IMindzieService, IServerInfo } from '../tokens';

/**
 * Fetches `info` from the service and shows the version and user, or the error.
 */
export class ServerInfoView extends Widget {
  constructor(options: ServerInfoView.IOptions) {
    super();
    this._service = options.service;
    this.addClass('jp-mindzie-ServerInfoView');
  }

  /**
   * What the view shows now.
   */
  get status(): ServerInfoView.Status {
    return this._status;
  }

  /**
   * Ask the server again and show the answer.
   */
  async refresh(): Promise<void> {
    // Only the newest of overlapping calls may render.
    const call = ++this._calls;
    this._render('loading', Private.loading());
    try {
      const info = await this._service.info();
      if (call === this._calls) {
        this._render('ok', Private.serverInfo(info));
      }
    } catch (error) {
      if (call === this._calls) {
        console.error('jupyter-mindzie: could not load the server info.', error);
        this._render('error', Private.error(error));
      }
    }
  }

  private _render(status: ServerInfoView.Status, content: HTMLElement): void {
    this._status = status;
    this.node.replaceChildren(content);
  }

  private _service: IMindzieService;
  private _status: ServerInfoView.Status = 'idle';
  private _calls = 0;
}

export namespace ServerInfoView {
  export interface IOptions {
    service: IMindzieService;
  }

  export type Status = 'idle' | 'loading' | 'ok' | 'error';
}

namespace Private {
  function element<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    className: string,
    text?: string
  ): HTMLElementTagNameMap[K] {
    const node = document.createElement(tag);
    node.className = className;
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function row(label: string, value: string, className: string): HTMLElement {
    const node = element('div', `jp-mindzie-ServerInfo-row ${className}`);
    node.append(
      element('span', 'jp-mindzie-ServerInfo-label', label),
      element('span', 'jp-mindzie-ServerInfo-value', value)
    );
    // The value may be cut with an ellipsis: keep all of it on hover.
    node.title = `${label}: ${value}`;
    return node;
  }

  export function loading(): HTMLElement {
    const node = element(
      'div',
      'jp-mindzie-Loading',
      'Connecting to the mindzie server…'
    );
    node.dataset.status = 'loading';
    return node;
  }

  export function serverInfo(info: IServerInfo): HTMLElement {
    const node = element('div', 'jp-mindzie-ServerInfo');
    node.dataset.status = 'ok';
    const { username, name } = info.user;
    const user = name && name !== username ? `${name} (${username})` : username;
    const tenants =
      info.tenants === '*'
        ? 'All'
        : info.tenants.length === 1
          ? info.tenants[0].tenantId
          : `${info.tenants.length}`;
    node.append(
      element('div', 'jp-mindzie-ServerInfo-version', `mindzie ${info.version}`),
      row('User', user, 'jp-mindzie-ServerInfo-user'),
      row('Tenants', tenants, 'jp-mindzie-ServerInfo-tenants')
    );
    return node;
  }

  export function error(reason: unknown): HTMLElement {
    const node = element('div', 'jp-mindzie-Error');
    node.dataset.status = 'error';
    node.setAttribute('role', 'alert');
    const message =
      reason instanceof Error && reason.message
        ? reason.message
        : String(reason);
    // A problem answer means the server was reached; anything else means it was not.
    const title =
      reason instanceof MindzieRequestError
        ? `mindzie server error ${reason.status}: ${reason.problem.title}`
        : 'Cannot reach the mindzie server';
    node.append(
      element('div', 'jp-mindzie-Error-title', title),
      element('div', 'jp-mindzie-Error-message', message)
    );
    if (reason instanceof MindzieRequestError && reason.problem.errors?.length) {
      const list = element('ul', 'jp-mindzie-Error-fields');
      for (const { field, message } of reason.problem.errors) {
        list.append(element('li', '', `${field}: ${message}`));
      }
      node.append(list);
    }
    return node;
  }
}
