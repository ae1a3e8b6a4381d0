/**
 * RunEvents: the server's execution events, heard through JupyterLab's event manager
 * (`serviceManager.events`), handed to the watchers of the runs they name.
 *
 * The server sends every event to every subscriber of `/api/events/subscribe`, so an event
 * carries only ids, the status, the phase and the ETag of the status: a watcher reads the
 * status itself through the REST API, where tenancy is checked. However many runs are
 * followed, they share JupyterLab's one events websocket. Before relying on it, a check
 * is posted to `/api/events` and must come back on the socket.
 */
import { Event } from '@jupyterlab/services';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

/**
 * The `$id` of the server's execution events (jupyter_mindzie/events/schemas/execution/v1.yaml).
 */
export const EXECUTION_EVENTS = 'https://events.mindzie.dev/execution/v1';

/**
 * The `$id` of the check the panel posts and expects back on its socket (ping/v1.yaml).
 */
export const PING_EVENTS = 'https://events.mindzie.dev/ping/v1';

/**
 * How long a posted check may take to come back, and how many are tried, before the events
 * are deemed not to arrive (the socket may still be connecting right after the page loads).
 */
export const PING_TIMEOUT = 3000;
export const PING_ATTEMPTS = 3;

/**
 * One execution event, as the schema has it.
 */
export interface IRunEvent {
  action: 'queued' | 'started' | 'progressed' | 'cell-finished' | 'ended';
  tenantId: string;
  projectId: string;
  notebookId: string;
  executionId: string;
  status: string;
  phase: string;
  etag: string;
}

/**
 * Dispatches execution events to the watchers that follow the runs they name.
 */
export class RunEvents implements IDisposable {
  /**
   * @param manager JupyterLab's event manager; null where the frontend has none (then
   * `active` is false and watchers wait on the server as before).
   */
  constructor(manager: Event.IManager | null) {
    this._manager = manager;
    manager?.stream.connect(this._onEmission, this);
  }

  /**
   * Whether watchers may rely on events: an event manager exists and no watcher found a change
   * the events did not tell (a socket that failed or never connected).
   */
  get active(): boolean {
    return this._manager !== null && !this._failed && !this._isDisposed;
  }

  /**
   * Emitted when the events stop being relied on (`active` turns false).
   */
  get failed(): ISignal<this, void> {
    return this._failedSignal;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Hear the events of one execution until the answer is disposed.
   */
  follow(
    executionId: string,
    listener: (event: IRunEvent) => void
  ): IDisposable {
    let listeners = this._listeners.get(executionId);
    if (!listeners) {
      listeners = new Set();
      this._listeners.set(executionId, listeners);
    }
    listeners.add(listener);
    if (!this._checking) {
      this._checking = this._check();
    }
    let disposed = false;
    return {
      get isDisposed() {
        return disposed;
      },
      dispose: () => {
        if (disposed) {
          return;
        }
        disposed = true;
        const set = this._listeners.get(executionId);
        set?.delete(listener);
        if (set && set.size === 0) {
          this._listeners.delete(executionId);
        }
      }
    };
  }

  /**
   * A watcher read a status the events never announced: they are not arriving. Every
   * watcher goes back to waiting on the server.
   */
  fail(): void {
    if (this._failed) {
      return;
    }
    this._failed = true;
    console.warn(
      'jupyter-mindzie: server events are not arriving; following runs by waiting requests.'
    );
    this._failedSignal.emit();
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._manager?.stream.disconnect(this._onEmission, this);
    this._listeners.clear();
    Signal.clearData(this);
  }

  /**
   * Post a check and hear it back, a few times; the events fail when none comes back.
   */
  private async _check(): Promise<void> {
    const manager = this._manager;
    for (let attempt = 0; manager && attempt < PING_ATTEMPTS; attempt++) {
      if (this._isDisposed || this._failed) {
        return;
      }
      const nonce = Math.random().toString(36).slice(2);
      const heard = new Promise<boolean>(resolve => {
        this._pings.set(nonce, () => resolve(true));
        window.setTimeout(() => resolve(false), PING_TIMEOUT);
      });
      try {
        await manager.emit({
          schema_id: PING_EVENTS,
          version: '1',
          data: { nonce }
        });
      } catch {
        // not sent: wait out the timeout, then try again
      }
      const back = await heard;
      this._pings.delete(nonce);
      if (back) {
        return;
      }
    }
    this.fail();
  }

  private _onEmission(_: Event.IManager, emission: Event.Emission): void {
    if (emission.schema_id === PING_EVENTS) {
      this._pings.get(String(emission.nonce))?.();
      return;
    }
    if (emission.schema_id !== EXECUTION_EVENTS) {
      return;
    }
    const event = emission as unknown as IRunEvent;
    const listeners = this._listeners.get(event.executionId);
    for (const listener of listeners ? [...listeners] : []) {
      try {
        listener(event);
      } catch (error) {
        console.error('jupyter-mindzie: a run event listener failed', error);
      }
    }
  }

  private _manager: Event.IManager | null;
  private _listeners = new Map<string, Set<(event: IRunEvent) => void>>();
  private _failed = false;
  private _checking: Promise<void> | null = null;
  private _pings = new Map<string, () => void>();
  private _isDisposed = false;
  private _failedSignal = new Signal<this, void>(this);
}
