/**
 * MindziePanel: the mindzie side panel of JupyterLab (project picker, notebooks, datasets,
 * and a notebook's page with its run form, settings and history).
 */
import { ReactWidget } from '@jupyterlab/apputils';
import {
  CommandToolbarButton,
  SidePanel,
  addIcon,
  editIcon
} from '@jupyterlab/ui-components';
import { TranslationBundle } from '@jupyterlab/translation';
import { CommandRegistry } from '@lumino/commands';
import { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';
import * as React from 'react';

import { CommandIDs } from '../commands';
import { formatCount, formatLocale, shortId } from '../format';
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
import { CopyId, Named, projectLabel, tenantLabel } from './named';
import { renameProject } from './project-names';

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
 * The projects by tenant, in the order the server listed them.
 */
function tenantGroups(projects: IProjectSummary[]): IProjectSummary[][] {
  const groups = new Map<string, IProjectSummary[]>();
  for (const project of projects) {
    const group = groups.get(project.tenantId) ?? [];
    group.push(project);
    groups.set(project.tenantId, group);
  }
  return [...groups.values()];
}

/**
 * A project in the picker: its name, its ids on hover.
 */
function ProjectOption(props: { project: IProjectSummary }): JSX.Element {
  const { project } = props;
  const { trans } = formatLocale();
  return (
    <option
      value={`${project.tenantId}/${project.projectId}`}
      title={trans.__(
        'Tenant %1\nProject %2',
        project.tenantId,
        project.projectId
      )}
    >
      {projectLabel(project)}
    </option>
  );
}

/**
 * A select over the tenant/project pairs the user reaches (by name), "open another", and
 * "rename"; the ids are on hover and a click away.
 */
function ProjectPicker(props: IPanelProps): JSX.Element {
  const { model, commands } = props;
  const { trans } = model;
  const projects = model.projects.data ?? [];
  const current = model.project;
  const value = current ? `${current.tenantId}/${current.projectId}` : '';
  const summary = projects.find(p => sameProject(p, current));
  const tenantCount = new Set(projects.map(p => p.tenantId)).size;
  const idsText = current
    ? trans.__('Tenant %1\nProject %2', current.tenantId, current.projectId)
    : trans.__('Choose a project');
  return (
    <div
      className="jp-mindzie-ProjectPicker"
      data-testid="mindzie-project-picker"
    >
      <div className="jp-mindzie-ProjectPicker-row">
        <label
          className="jp-mindzie-ProjectPicker-label"
          htmlFor="jp-mindzie-project-select"
        >
          {trans.__('Project')}
        </label>
        <IconButton
          icon={addIcon}
          title={trans.__('Open another project…')}
          testId="mindzie-add-project"
          onClick={() => void commands.execute(CommandIDs.addProject)}
        />
      </div>
      <div className="jp-mindzie-ProjectPicker-row">
        <Select
          id="jp-mindzie-project-select"
          className="jp-mindzie-ProjectPicker-select"
          value={value}
          disabled={!projects.length}
          data-testid="mindzie-project-select"
          title={idsText}
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
          {tenantCount > 1
            ? tenantGroups(projects).map(group => (
                <optgroup key={group[0].tenantId} label={tenantLabel(group[0])}>
                  {group.map(project => (
                    <ProjectOption key={project.projectId} project={project} />
                  ))}
                </optgroup>
              ))
            : projects.map(project => (
                <ProjectOption key={project.projectId} project={project} />
              ))}
        </Select>
      </div>
      {current && (
        <div
          className="jp-mindzie-ProjectPicker-detail"
          data-testid="mindzie-project-detail"
        >
          <span className="jp-mindzie-Facts">
            <Named
              name={summary ? tenantLabel(summary) : shortId(current.tenantId)}
              id={current.tenantId}
              kind={trans.__('Tenant')}
              testId="mindzie-tenant-name"
            />
            {summary ? (
              <>
                <span className="jp-mindzie-Fact">
                  {trans._n(
                    '%2 notebook',
                    '%2 notebooks',
                    summary.notebookCount,
                    formatCount(summary.notebookCount)
                  )}
                </span>
                <span className="jp-mindzie-Fact">
                  {trans._n(
                    '%2 dataset',
                    '%2 datasets',
                    summary.datasetCount,
                    formatCount(summary.datasetCount)
                  )}
                </span>
              </>
            ) : null}
          </span>
          <span className="jp-mindzie-ProjectPicker-actions">
            <CopyId
              id={current.projectId}
              label={trans.__('Copy the project id')}
              testId="mindzie-copy-project-id"
            />
            <IconButton
              icon={editIcon}
              title={trans.__('Rename this project…')}
              testId="mindzie-rename-project"
              onClick={() =>
                void renameProject(model, current, summary ?? null)
              }
            />
          </span>
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
