/**
 * ExecutionWatcher: follows one execution until it ends, polling its status with backoff.
 */
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { MindzieRequestError } from './request';
import {
  ExecutionStatus,
  IExecution,
  IMindzieService,
  IProjectRef
} from './tokens';

/**
 * Terminal execution states.
 */
export const TERMINAL: ExecutionStatus[] = ['Completed', 'Error', 'Cancelled'];

/**
 * Polls `GET …/execution/{id}` while the execution runs: quickly while it changes, more
 * slowly while it does not (and while the page is hidden), much more slowly after failures.
 */
export class ExecutionWatcher implements IDisposable {
  constructor(options: ExecutionWatcher.IOptions) {
    this.service = options.service;
    this.project = options.project;
    this.notebookId = options.notebookId;
    this.executionId = options.executionId;
    this._minInterval = Math.max(100, options.minInterval ?? 400);
    this._maxInterval = Math.max(this._minInterval, options.maxInterval ?? 4000);
    this._interval = this._minInterval;
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
    void this._tick();
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
    Signal.clearData(this);
  }

  private async _tick(): Promise<void> {
    window.clearTimeout(this._timer);
    if (this._isDisposed || this._done) {
      return;
    }
    const call = ++this._calls;
    try {
      const execution = await this.service.getExecution(
        this.project,
        this.notebookId,
        this.executionId
      );
      if (call !== this._calls || this._isDisposed) {
        return;
      }
      const changed = this._accept(execution);
      this._interval = changed
        ? this._minInterval
        : Math.min(this._interval * 1.5, this._maxInterval);
    } catch (error) {
      if (call !== this._calls || this._isDisposed) {
        return;
      }
      this._error = error;
      if (error instanceof MindzieRequestError && error.status === 404) {
        // Deleted with its notebook, or never ours: nothing more to wait for.
        this._finish();
      }
      this._changed.emit();
      this._interval = Math.min(Math.max(this._interval * 2, 2000), 30000);
    }
    this._schedule();
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
    if (TERMINAL.includes(execution.status)) {
      this._finish();
    }
    return changed;
  }

  private _finish(): void {
    if (this._done) {
      return;
    }
    this._done = true;
    window.clearTimeout(this._timer);
    this._finished.emit(this._execution);
  }

  private _schedule(): void {
    if (this._isDisposed || this._done) {
      return;
    }
    // A hidden page needs no fast updates; it catches up when shown.
    const interval = document.hidden ? this._maxInterval : this._interval;
    this._timer = window.setTimeout(() => void this._tick(), interval);
  }

  private _execution: IExecution | null = null;
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
  }
}
