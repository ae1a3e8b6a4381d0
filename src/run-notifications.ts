/**
 * RunNotifier: a JupyterLab notification for each run this user starts, from in progress to
 * its end, with "Open results". It lives with the plugin, not the panel: closing the panel or
 * the run's tab does not stop it.
 */
import { Notification } from '@jupyterlab/apputils';
import { CommandRegistry } from '@lumino/commands';
import { IDisposable } from '@lumino/disposable';

import { MindzieModel } from './model';
import { IExecution } from './tokens';
import { ExecutionWatcher } from './watcher';

/**
 * How long a success stays on screen (milliseconds); warnings and errors stay until closed.
 */
export const SUCCESS_AUTO_CLOSE = 10000;

export class RunNotifier implements IDisposable {
  constructor(options: RunNotifier.IOptions) {
    this._model = options.model;
    this._commands = options.commands;
    this._openCommand = options.openCommand;
    this._model.runStarted.connect(this._onStarted, this);
  }

  /**
   * Whether runs started from now on are notified (the `notifyRuns` setting).
   */
  enabled = true;

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._model.runStarted.disconnect(this._onStarted, this);
  }

  private _onStarted(model: MindzieModel, run: MindzieModel.IRunStarted): void {
    if (!this.enabled) {
      return;
    }
    const { trans } = model;
    const actions = [
      {
        label: trans.__('Open results'),
        caption: trans.__('Open the run view of this execution'),
        callback: () => {
          void this._commands.execute(this._openCommand, {
            ...run.project,
            notebookId: run.notebookId,
            executionId: run.executionId,
            notebookName: run.notebookName
          });
        }
      }
    ];
    const id = Notification.emit(
      trans.__('Running “%1”…', run.notebookName),
      'in-progress',
      { autoClose: false, actions }
    );
    const watcher = model.watch(run.project, run.notebookId, run.executionId);
    const finish = (_: ExecutionWatcher, execution: IExecution | null) => {
      watcher.finished.disconnect(finish);
      const { type, message } = Private.outcome(model, run, execution);
      Notification.update({
        id,
        message,
        type,
        autoClose: type === 'success' ? SUCCESS_AUTO_CLOSE : false,
        actions
      });
    };
    if (watcher.isDone) {
      finish(watcher, watcher.execution);
    } else {
      watcher.finished.connect(finish);
    }
  }

  private _model: MindzieModel;
  private _commands: CommandRegistry;
  private _openCommand: string;
  private _isDisposed = false;
}

export namespace RunNotifier {
  export interface IOptions {
    model: MindzieModel;
    commands: CommandRegistry;
    /**
     * The command that opens a run view, given the run's four ids and its notebook's name.
     */
    openCommand: string;
  }
}

namespace Private {
  export function outcome(
    model: MindzieModel,
    run: MindzieModel.IRunStarted,
    execution: IExecution | null
  ): { type: Notification.TypeOptions; message: string } {
    const { trans } = model;
    const name = run.notebookName;
    if (!execution) {
      return {
        type: 'error',
        message: trans.__('The run of “%1” can no longer be found.', name)
      };
    }
    if (execution.status === 'Completed') {
      const failed = execution.progress.failedCells;
      if (failed > 0) {
        return {
          type: 'warning',
          message: trans._n(
            '“%2” completed with %1 failed cell.',
            '“%2” completed with %1 failed cells.',
            failed,
            name
          )
        };
      }
      return {
        type: 'success',
        message: trans.__('“%1” completed.', name)
      };
    }
    if (execution.status === 'Cancelled') {
      return {
        type: 'warning',
        message: trans.__('The run of “%1” was cancelled.', name)
      };
    }
    return {
      type: 'error',
      message: trans.__('The run of “%1” failed.', name)
    };
  }
}
