/**
 * What the analyst typed into a notebook's run form, kept per notebook in JupyterLab's state
 * database, so it survives tab switches, new versions of the notebook and reloads.
 */
import { IStateDB } from '@jupyterlab/statedb';
import { ReadonlyJSONObject } from '@lumino/coreutils';

/**
 * A run form as it was left.
 */
export interface IRunDraft {
  /**
   * Parameter texts the analyst changed, by name.
   */
  texts: Record<string, string>;
  /**
   * The run options (priority, timeout, stop on error, range, report).
   */
  options: Record<string, string | boolean>;
}

export class RunDrafts {
  constructor(state: IStateDB | null) {
    this._state = state;
  }

  /**
   * The draft already read or written in this page (tab switches need no round trip).
   */
  peek(notebookId: string): IRunDraft | null {
    return this._drafts.get(notebookId) ?? null;
  }

  /**
   * The draft saved for a notebook (after a reload, from the state database).
   */
  async load(notebookId: string): Promise<IRunDraft | null> {
    const known = this._drafts.get(notebookId);
    if (known || !this._state) {
      return known ?? null;
    }
    try {
      const saved = (await this._state.fetch(RunDrafts.key(notebookId))) as
        IRunDraft | undefined;
      if (saved && typeof saved === 'object' && saved.texts && saved.options) {
        if (!this._drafts.has(notebookId)) {
          this._drafts.set(notebookId, saved);
        }
        return this._drafts.get(notebookId) ?? null;
      }
    } catch (error) {
      console.warn('jupyter-mindzie: could not read a saved run form.', error);
    }
    return null;
  }

  /**
   * Keep a notebook's draft (written to the state database in the background).
   */
  save(notebookId: string, draft: IRunDraft): void {
    this._drafts.set(notebookId, draft);
    if (!this._state) {
      return;
    }
    this._state
      .save(RunDrafts.key(notebookId), draft as unknown as ReadonlyJSONObject)
      .catch(error =>
        console.warn('jupyter-mindzie: could not save the run form.', error)
      );
  }

  private _state: IStateDB | null;
  private _drafts = new Map<string, IRunDraft>();
}

export namespace RunDrafts {
  /**
   * The state database key of a notebook's draft.
   */
  export function key(notebookId: string): string {
    return `jupyter-mindzie:run-form:${notebookId}`;
  }
}
