/**
 * MindziePanel: the mindzie side panel of JupyterLab (project picker, notebooks, datasets,
 * and a notebook's page with its run form, settings and history).
 */
import { ReactWidget } from '@jupyterlab/apputils';
import {
  CommandToolbarButton,
  SidePanel,
  addIcon
} from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';
import * as React from 'react';

import { CommandIDs } from '../commands';
import { shortId } from '../format';
import { mindzieIcon } from '../icons';
import { MindzieModel, sameProject } from '../model';
import { IProjectSummary } from '../tokens';
import {
  EmptyState,
  ErrorBox,
  IconButton,
  Select,
  Spinner,
  useSignal
} from './common';
import { DatasetList } from './dataset-list';
import { NotebookList } from './notebook-list';
import { OpenNotebooks } from '../open-notebooks';
import { NotebookPage } from './notebook-page';

/**
 * What every part of the panel needs.
 */
export interface IPanelProps {
  model: MindzieModel;
  commands: CommandRegistry;
  /**
   * JupyterLab's open notebooks, so settings reach an open file through its editor.
   */
  notebooks?: OpenNotebooks;
}

/**
 * The side panel; it loads from the server the first time it is shown.
 */
export class MindziePanel extends SidePanel {
  constructor(options: MindziePanel.IOptions) {
    // A plain content panel: the default accordion would add a title bar per part.
    super({ content: new Panel() });
    this.id = MindziePanel.ID;
    this.addClass('jp-mindzie-Panel');
    this.title.icon = mindzieIcon;
    const trans = options.trans ?? options.model.trans;
    this.title.caption = trans.__('mindzie: process-mining notebooks');
    this._model = options.model;

    const heading = document.createElement('h2');
    heading.textContent = trans._p('product name', 'mindzie');
    this.header.addWidget(new Widget({ node: heading }));

    const { commands } = options;
    const buttons: Array<[string, string]> = [
      ['create-notebook', CommandIDs.createNotebook],
      ['upload-notebook', CommandIDs.uploadNotebook],
      ['upload-dataset', CommandIDs.uploadDataset],
      ['refresh', CommandIDs.refresh]
    ];
    for (const [name, id] of buttons) {
      const button = new CommandToolbarButton({
        commands,
        id,
        label: ''
      });
      button.node.dataset.testid = `mindzie-toolbar-${name}`;
      this.toolbar.addItem(name, button);
    }

    const view = ReactWidget.create(
      <PanelRoot
        model={options.model}
        commands={commands}
        notebooks={options.notebooks}
      />
    );
    view.addClass('jp-mindzie-PanelView');
    this.addWidget(view);
  }

  /**
   * Load (again) what the panel shows from the server.
   */
  refresh(): Promise<void> {
    this._loaded = true;
    return this._model.refresh();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (!this._loaded) {
      void this.refresh();
    }
  }

  private _model: MindzieModel;
  private _loaded = false;
}

export namespace MindziePanel {
  /**
   * The panel's DOM id (also its sidebar tab's `data-id`).
   */
  export const ID = 'jp-mindzie-panel';

  export interface IOptions {
    model: MindzieModel;
    commands: CommandRegistry;
    /**
     * Our strings; the model's by default.
     */
    trans?: TranslationBundle;
    /**
     * JupyterLab's open notebooks (settings of an open file are saved through its editor).
     */
    notebooks?: OpenNotebooks;
  }
}

/**
 * Everything below the toolbar.
 */
function PanelRoot(props: IPanelProps): JSX.Element {
  const { model } = props;
  const { trans } = model;
  useSignal(model.changed);
  const info = model.info;
  const projects = model.projects;

  let body: JSX.Element;
  if (info.error && !info.data) {
    body = (
      <div className="jp-mindzie-Padded">
        <ErrorBox error={info.error} onRetry={() => void model.refresh()} />
      </div>
    );
  } else if (!info.data && !projects.data) {
    body = (
      <div className="jp-mindzie-Padded" data-status="loading">
        <Spinner label={trans.__('Connecting to the mindzie server…')} />
      </div>
    );
  } else if (!model.project) {
    body = <NoProject {...props} />;
  } else if (model.notebookId) {
    body = <NotebookPage {...props} />;
  } else {
    body = (
      <>
        <NotebookList {...props} />
        <DatasetList {...props} />
      </>
    );
  }

  return (
    <div className="jp-mindzie-PanelRoot">
      <ProjectPicker {...props} />
      <div className="jp-mindzie-PanelMain">{body}</div>
      <ServerInfo model={model} />
    </div>
  );
}

/**
 * The project's label in the picker.
 */
function projectLabel(project: IProjectSummary): string {
  return project.projectId;
}

/**
 * A select over the tenant/project pairs the user reaches, and "open another".
 */
function ProjectPicker(props: IPanelProps): JSX.Element {
  const { model, commands } = props;
  const { trans } = model;
  const projects = model.projects.data ?? [];
  const current = model.project;
  const value = current ? `${current.tenantId}/${current.projectId}` : '';
  const summary = projects.find(p => sameProject(p, current));
  return (
    <div
      className="jp-mindzie-ProjectPicker"
      data-testid="mindzie-project-picker"
    >
      <label
        className="jp-mindzie-ProjectPicker-label"
        htmlFor="jp-mindzie-project-select"
      >
        {trans.__('Project')}
      </label>
      <IconButton
        icon={addIcon}
        title={trans.__('Open another project (by its tenant and project ids)')}
        testId="mindzie-add-project"
        onClick={() => void commands.execute(CommandIDs.addProject)}
      />
      <Select
        id="jp-mindzie-project-select"
        value={value}
        disabled={!projects.length}
        data-testid="mindzie-project-select"
        title={
          current
            ? trans.__(
                'Tenant %1\nProject %2',
                current.tenantId,
                current.projectId
              )
            : trans.__('Choose a project')
        }
        onChange={event => {
          const [tenantId, projectId] = event.target.value.split('/');
          if (tenantId && projectId) {
            void model.selectProject({ tenantId, projectId });
          }
        }}
      >
        {!current && (
          <option value="">
            {projects.length
              ? trans.__('Choose a project…')
              : trans.__('No projects yet')}
          </option>
        )}
        {projects.map(project => (
          <option
            key={`${project.tenantId}/${project.projectId}`}
            value={`${project.tenantId}/${project.projectId}`}
          >
            {projectLabel(project)}
          </option>
        ))}
      </Select>
      {current && (
        <div
          className="jp-mindzie-ProjectPicker-detail"
          data-testid="mindzie-project-detail"
          title={trans.__(
            'Tenant %1\nProject %2',
            current.tenantId,
            current.projectId
          )}
        >
          {summary
            ? trans._p(
                'project facts: tenant, notebooks, datasets',
                'tenant %1 · %2 · %3',
                shortId(current.tenantId),
                trans._n('%1 notebook', '%1 notebooks', summary.notebookCount),
                trans._n('%1 dataset', '%1 datasets', summary.datasetCount)
              )
            : trans.__('tenant %1', shortId(current.tenantId))}
        </div>
      )}
      {model.projects.error ? (
        <div className="jp-mindzie-ProjectPicker-error">
          <ErrorBox
            error={model.projects.error}
            compact
            onRetry={() => void model.refreshProjects()}
          />
        </div>
      ) : null}
    </div>
  );
}

/**
 * No project chosen yet: say what a project is and how to start.
 */
function NoProject(props: IPanelProps): JSX.Element {
  const projects = props.model.projects.data ?? [];
  const { trans } = props.model;
  return (
    <EmptyState
      testId="mindzie-no-project"
      action={
        <button
          className="jp-mod-styled jp-mod-accept jp-mindzie-Button"
          data-testid="mindzie-open-project"
          onClick={() => void props.commands.execute(CommandIDs.addProject)}
        >
          {trans.__('Open a project…')}
        </button>
      }
    >
      {projects.length ? (
        <>
          {trans._n(
            'Choose your project above, or open another one.',
            'Choose one of your %1 projects above, or open another one.',
            projects.length
          )}
        </>
      ) : (
        <>
          <p>
            <strong>{trans.__('No mindzie projects yet.')}</strong>
          </p>
          <p>
            {trans.__(
              'Open a project to start: upload an event log, create a notebook from the process-mining starter and run it here.'
            )}
          </p>
        </>
      )}
    </EmptyState>
  );
}

/**
 * The server's version and the user, at the bottom of the panel.
 */
function ServerInfo(props: { model: MindzieModel }): JSX.Element | null {
  const info = props.model.info.data;
  if (!info) {
    return null;
  }
  const { username, name } = info.user;
  const user = name && name !== username ? name : username;
  const project = props.model.project;
  const { trans } = props.model;
  return (
    <div
      className="jp-mindzie-ServerInfo"
      data-status="ok"
      title={
        project
          ? trans.__(
              'mindzie %1\nUser: %2\nTenant: %3\nProject: %4',
              info.version,
              username,
              project.tenantId,
              project.projectId
            )
          : trans.__('mindzie %1\nUser: %2', info.version, username)
      }
    >
      <span className="jp-mindzie-ServerInfo-version">
        {trans.__('mindzie %1', info.version)}
      </span>
      <span className="jp-mindzie-ServerInfo-user">{user}</span>
    </div>
  );
}
