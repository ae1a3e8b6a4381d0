/**
 * Renaming a project: its tenant's and its own display names (labels only: folders and
 * routes keep the GUIDs), through `PUT api/mindzie/projects/{tenant}/{project}`.
 */
import { Notification } from '@jupyterlab/apputils';
import * as React from 'react';

import { MindzieModel } from '../model';
import { IProjectRef, IProjectSummary } from '../tokens';
import { Field, showFormDialog } from './dialogs';

interface INames {
  tenantName: string;
  projectName: string;
}

/**
 * Ask for the names and save them; the picker shows them at once.
 */
export async function renameProject(
  model: MindzieModel,
  project: IProjectRef,
  summary: IProjectSummary | null
): Promise<IProjectSummary | null> {
  const { trans } = model;
  const saved = await showFormDialog<INames, IProjectSummary>({
    title: trans.__('Rename the project'),
    acceptLabel: trans.__('Save'),
    testId: 'mindzie-rename-project-dialog',
    initial: {
      tenantName: summary?.tenantName ?? '',
      projectName: summary?.projectName ?? ''
    },
    validate: values =>
      values.projectName.length > 200 || values.tenantName.length > 200
        ? trans.__('A name has at most 200 characters.')
        : null,
    render: (values, set) => (
      <>
        <p className="jp-mindzie-Form-intro">
          {trans.__(
            'Names are labels for people; folders, paths and the API keep the ids. Leave a name empty to show the id again.'
          )}
        </p>
        <Field
          label={trans.__('Project name')}
          htmlFor="jp-mindzie-rename-project"
          hint={project.projectId}
        >
          <input
            id="jp-mindzie-rename-project"
            className="jp-mod-styled jp-mindzie-Input"
            value={values.projectName}
            data-testid="mindzie-project-name-input"
            onChange={event => set({ projectName: event.target.value })}
          />
        </Field>
        <Field
          label={trans.__('Tenant name')}
          htmlFor="jp-mindzie-rename-tenant"
          hint={project.tenantId}
        >
          <input
            id="jp-mindzie-rename-tenant"
            className="jp-mod-styled jp-mindzie-Input"
            value={values.tenantName}
            data-testid="mindzie-tenant-name-input"
            onChange={event => set({ tenantName: event.target.value })}
          />
        </Field>
      </>
    ),
    submit: values =>
      model.service.nameProject(project, {
        tenantName: values.tenantName.trim() || null,
        projectName: values.projectName.trim() || null
      })
  });
  if (saved) {
    await model.refreshProjects();
    Notification.success(trans.__('Renamed the project.'), {
      autoClose: 3000
    });
  }
  return saved;
}
