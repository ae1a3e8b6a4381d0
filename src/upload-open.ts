/**
 * "Run with mindzie" on a notebook that is not a mindzie one: the toast's Upload sends the
 * notebook that is open (what the analyst sees, unsaved edits included) to the project the
 * panel is on, through the same upload endpoint as the panel's "Upload notebook". Asking for a
 * file again would make the analyst find on disk what is already on screen.
 */
import type { NotebookPanel } from '@jupyterlab/notebook';

import { IMindzieService, INotebook, IProjectRef } from './tokens';

/**
 * The stem of a notebook's file name ("reports/Weekly.ipynb" → "Weekly").
 */
export function notebookStem(path: string): string {
  const name = path.split('/').pop() ?? path;
  return name.replace(/\.ipynb$/i, '') || name;
}

/**
 * Upload the open notebook's content as a new notebook of `project`.
 */
export function uploadOpenNotebook(
  service: IMindzieService,
  project: IProjectRef,
  panel: NotebookPanel
): Promise<INotebook> {
  const path = panel.context.path;
  const content = JSON.stringify(panel.context.model.toJSON());
  const file = new Blob([content], { type: 'application/x-ipynb+json' });
  const name = path.split('/').pop() || 'notebook.ipynb';
  return service.uploadNotebook(project, file, name, {
    notebookName: notebookStem(path)
  });
}
