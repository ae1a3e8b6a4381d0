/**
 * Settings saved while their notebook is open in JupyterLab. The server writes a notebook's
 * settings into its file (`metadata.mindzie`); done under an open editor, that write makes
 * JupyterLab ask "File Changed… Overwrite / Revert" at its next save. So the change goes into
 * the open document's model first and is saved through its context; the server's own write
 * then leaves the same bytes on disk, and JupyterLab, which compares the file's hash, sees
 * nothing to ask about.
 */
import { Contents } from '@jupyterlab/services';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { INotebook, INotebookUpdate } from './tokens';

/**
 * The key of our settings in a notebook's metadata (as the server writes them).
 */
export const METADATA_KEY = 'mindzie';

/**
 * The open notebooks of JupyterLab, as the panel's settings form writes through them.
 */
export class OpenNotebooks {
  constructor(
    private readonly _tracker: INotebookTracker | null,
    private readonly _contents: Contents.IManager | null
  ) {}

  /**
   * The open, loaded editor of the file at `path` (null when it is not open).
   */
  find(path: string): NotebookPanel | null {
    const panel =
      this._tracker?.find(widget => widget.context.path === path) ?? null;
    return panel && panel.context.isReady && panel.model ? panel : null;
  }

  /**
   * Save a settings change: through the open editor when there is one, then through the API.
   *
   * `update` sends the PUT with the version it is given; it is the notebook's own version
   * unless saving the editor also saved cell edits, which make a version of their own.
   */
  async saveSettings(
    notebook: INotebook,
    changes: INotebookUpdate,
    update: (version: string) => Promise<INotebook>,
    currentVersion: () => Promise<string>
  ): Promise<INotebook> {
    const panel = this.find(notebook.path);
    if (!panel || !panel.model) {
      return update(notebook.notebookVersion);
    }
    const hadEdits = panel.model.dirty;
    const current = panel.model.getMetadata(METADATA_KEY) as
      ReadonlyPartialJSONObject | undefined;
    panel.model.setMetadata(
      METADATA_KEY,
      settingsAfter(current, notebook, changes)
    );
    await panel.context.save();
    const updated = await update(
      hadEdits ? await currentVersion() : notebook.notebookVersion
    );
    await this._reconcile(panel);
    return updated;
  }

  /**
   * When the server's bytes still differ from the editor's (a file written by an older
   * version, say), reload the untouched editor from disk rather than leave it a conflict.
   */
  private async _reconcile(panel: NotebookPanel): Promise<void> {
    if (!this._contents || panel.isDisposed) {
      return;
    }
    const disk = await this._contents.get(panel.context.path, {
      content: false,
      hash: true
    });
    const known = panel.context.contentsModel;
    const agree =
      disk.hash && known?.hash
        ? disk.hash === known.hash
        : disk.last_modified === known?.last_modified;
    if (!agree && !panel.model?.dirty) {
      await panel.context.revert();
    }
  }
}

/**
 * `metadata.mindzie` as the server will write it after `changes`: the store's settings (the
 * API's notebook) with the change applied, keeping what else the file's copy holds.
 */
export function settingsAfter(
  current: ReadonlyPartialJSONObject | undefined,
  notebook: INotebook,
  changes: INotebookUpdate
): ReadonlyPartialJSONObject {
  const integration = { ...notebook.integration, ...changes.integration };
  return {
    ...(current ?? {}),
    notebookId: notebook.notebookId,
    tenantId: notebook.tenantId,
    projectId: notebook.projectId,
    notebookName: changes.notebookName ?? notebook.notebookName,
    notebookDescription:
      changes.notebookDescription !== undefined
        ? changes.notebookDescription
        : (notebook.notebookDescription ?? null),
    kernelType: notebook.kernelType,
    integration: integration as unknown as ReadonlyPartialJSONObject,
    environment: (current?.environment ??
      notebook.environment) as unknown as ReadonlyPartialJSONObject
  };
}
