/**
 * ExecutionWatcher: follows one execution until it ends, by the server's events or by
 * polling its status with backoff.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { MindzieRequestError } from './request';
import { isTerminal } from './contract';
import { IRunEvent, RunEvents } from './run-events';
import { IExecution, IMindzieService, IProjectRef } from './tokens';

/**
 * Watchers that may hold a waiting request at the same time.
 */
export const MAX_WAITING = 2;

/**
 * While events arrive: milliseconds between reads no event asked for (a safety net), and
 * before a second look at a phase no event announced yet.
 */
export const EVENTS_SAFETY_INTERVAL = 15000;
export const EVENTS_CONFIRM_INTERVAL = 3000;

/**
 * Follows `GET …/execution/{id}` while the execution runs. Each read sends the last ETag back
 * with `Prefer: wait`, so the server answers when the status changes: news arrives at once,
 * and a quiet run costs one request every `waitSeconds`. Only `MAX_WAITING` watchers hold
 * such a request at a time (a browser opens six connections per server, and JupyterLab needs
 * them); the others, and a hidden page, poll with backoff. Failures slow the reads down.
 *
 * With the server's events (`RunEvents`), a watcher sends no waiting request at all: it reads
 * the status when an event names its run with an ETag it does not hold, and otherwise only
 * every `EVENTS_SAFETY_INTERVAL`. A read that finds a phase no event told, and still untold a
 * moment later, means the events are not arriving: every watcher then waits on the server.
 */
export class ExecutionWatcher implements IDisposable {
  constructor(options: ExecutionWatcher.IOptions) {
    this.service = options.service;
    this.project = options.project;
    this.notebookId = options.notebookId;
    this.executionId = options.executionId;
    this._minInterval = Math.max(100, options.minInterval ?? 400);
    this._maxInterval = Math.max(
      this._minInterval,
      options.maxInterval ?? 4000
    );
    this._waitSeconds = Math.max(0, Math.floor(options.waitSeconds ?? 25));
    this._interval = this._minInterval;
    this._events = options.events ?? null;
  }

  readonly service: IMindzieService;
  readonly project: IProjectRef;
  readonly notebookId: string;
  readonly executionId: string;

  /**
   * The latest status the server sent, or null before the first answer.
   */
  get execution(): IExecution | null {
    return this._execution;
  }

  /**
   * The last failure to read the status (null once a read succeeds again).
   */
  get error(): unknown {
    return this._error;
  }

  /**
   * True once the execution reached Completed, Error or Cancelled (or cannot be found).
   */
  get isDone(): boolean {
    return this._done;
  }

  /**
   * Emitted on every new status or error.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Emitted once, when the execution ends.
   */
  get finished(): ISignal<this, IExecution | null> {
    return this._finished;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  /**
   * Start polling (idempotent).
   */
  start(): void {
    if (this._started || this._isDisposed) {
      return;
    }
    this._started = true;
    const events = this._events;
    if (events?.active) {
      this._following = events.follow(this.executionId, event =>
        this._onEvent(event)
      );
      events.failed.connect(this._onEventsFailed, this);
    }
    void this._tick();
  }

  /**
   * Whether this watcher follows its run by the server's events (no waiting requests).
   */
  get byEvents(): boolean {
    return this._following !== null && !!this._events?.active;
  }

  /**
   * Read the status now (e.g. right after a cancel) and go on polling from there.
   */
  refresh(): Promise<void> {
    this._interval = this._minInterval;
    return this._tick();
  }

  /**
   * Take a status obtained elsewhere (the answer of a cancel, say).
   */
  update(execution: IExecution): void {
    this._accept(execution);
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    window.clearTimeout(this._timer);
    this._abort?.abort();
    this._following?.dispose();
    this._following = null;
    Signal.clearData(this);
  }

  private async _tick(): Promise<void> {
    window.clearTimeout(this._timer);
    if (this._isDisposed || this._done) {
      return;
    }
    const call = ++this._calls;
    this._abort?.abort(); // a superseded waiting read must not keep its connection
    const abort = (this._abort = new AbortController());
    const wait = this._mayWait() ? this._waitSeconds : 0;
    if (wait) {
      ExecutionWatcher._waiting++;
    }
    try {
      const news = await this.service.followExecution(
        this.project,
        this.notebookId,
        this.executionId,
        this._etag,
        wait,
        abort.signal
      );
      if (call !== this._calls || this._isDisposed) {
        return;
      }
      this._etag = news.etag;
      const changed = news.execution
        ? this._accept(news.execution)
        : this._recovered();
      if (this.byEvents) {
        this._interval = this._confirm(news.execution)
          ? EVENTS_SAFETY_INTERVAL
          : EVENTS_CONFIRM_INTERVAL;
      } else if (wait && news.waited) {
        // The server waited for this answer: ask again at once (a little later after news,
        // so a burst of changes is read as one).
        this._interval = changed ? 50 : 0;
      } else {
        this._interval = changed
          ? this._minInterval
          : Math.min(
              Math.max(this._interval, this._minInterval) * 1.5,
              this._maxInterval
            );
      }
    } catch (error) {
      if (call !== this._calls || this._isDisposed || abort.signal.aborted) {
        return;
      }
      this._error = error;
      if (error instanceof MindzieRequestError && error.status === 404) {
        // Deleted with its notebook, or never ours: nothing more to wait for.
        this._finish();
      }
      this._changed.emit();
      this._interval = Math.min(Math.max(this._interval * 2, 2000), 30000);
    } finally {
      if (wait) {
        ExecutionWatcher._waiting--;
      }
    }
    this._schedule();
  }

  /**
   * Whether this read may wait on the server for news.
   */
  private _mayWait(): boolean {
    return (
      !this.byEvents &&
      this._waitSeconds > 0 &&
      this._etag !== null &&
      !document.hidden &&
      ExecutionWatcher._waiting < MAX_WAITING
    );
  }

  /**
   * An unchanged answer after a failed read: the failure is over.
   */
  private _recovered(): boolean {
    if (this._error === null) {
      return false;
    }
    this._error = null;
    this._changed.emit();
    return true;
  }

  /**
   * Store a status; true when it differs from the previous one.
   */
  private _accept(execution: IExecution): boolean {
    const text = JSON.stringify(execution);
    const changed = text !== this._last || this._error !== null;
    this._last = text;
    this._execution = execution;
    this._error = null;
    if (changed) {
      this._changed.emit();
    }
    if (isTerminal(execution.status)) {
      this._finish();
    }
    return changed;
  }

  /**
   * An event of this run: read the status unless the event's ETag is the one held.
   */
  private _onEvent(event: IRunEvent): void {
    this._told.add(`${event.status}/${event.phase}`);
    if (this._done || this._isDisposed || event.etag === this._etag) {
      return;
    }
    // A burst of events (a phase and its cells) is read once.
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(() => void this._tick(), 50);
  }

  /**
   * Whether the events told the phase this read found; false asks for a second look soon,
   * and a phase still untold at the second look means the events are not arriving.
   */
  private _confirm(execution: IExecution | null): boolean {
    if (!execution) {
      return this._unconfirmed === null;
    }
    const state = `${execution.status}/${execution.phase}`;
    if (!this._seen) {
      this._seen = true; // the run's first state may have been told before we listened
      this._told.add(state);
    }
    if (this._told.has(state)) {
      this._unconfirmed = null;
      return true;
    }
    if (this._unconfirmed === state) {
      this._events?.fail();
      return true;
    }
    this._unconfirmed = state;
    return false;
  }

  private _onEventsFailed(): void {
    this._following?.dispose();
    this._following = null;
    this._interval = this._minInterval;
    if (!this._done && this._started) {
      void this._tick();
    }
  }

  private _finish(): void {
    if (this._done) {
      return;
    }
    this._done = true;
    this._following?.dispose();
    this._following = null;
    window.clearTimeout(this._timer);
    this._abort?.abort();
    this._finished.emit(this._execution);
  }

  private _schedule(): void {
    if (this._isDisposed || this._done) {
      return;
    }
    // A hidden page needs no fast updates; it catches up when shown.
    const interval =
      document.hidden && !this.byEvents ? this._maxInterval : this._interval;
    this._timer = window.setTimeout(() => void this._tick(), interval);
  }

  private static _waiting = 0;
  private _events: RunEvents | null;
  private _following: IDisposable | null = null;
  private _told = new Set<string>();
  private _unconfirmed: string | null = null;
  private _seen = false;
  private _execution: IExecution | null = null;
  private _etag: string | null = null;
  private _abort: AbortController | null = null;
  private _waitSeconds: number;
  private _error: unknown = null;
  private _last = '';
  private _done = false;
  private _started = false;
  private _isDisposed = false;
  private _calls = 0;
  private _timer = 0;
  private _interval: number;
  private _minInterval: number;
  private _maxInterval: number;
  private _changed = new Signal<this, void>(this);
  private _finished = new Signal<this, IExecution | null>(this);
}

export namespace ExecutionWatcher {
  export interface IOptions {
    service: IMindzieService;
    project: IProjectRef;
    notebookId: string;
    executionId: string;
    /**
     * Milliseconds between reads while the status changes (default 400).
     */
    minInterval?: number;
    /**
     * The longest wait between reads while nothing changes (default 4000).
     */
    maxInterval?: number;
    /**
     * Seconds the server may hold a read for news (`Prefer: wait`; default 25, 0 to poll).
     */
    waitSeconds?: number;
    /**
     * The server's events; when active, the watcher follows the run by them.
     */
    events?: RunEvents | null;
  }
}
