/**
 * The mindzie commands (`mindzie:*`): what the panel's buttons, the palette, the notebook
 * toolbar and restored tabs call. `index.ts` only wires them.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import {
  MainAreaWidget,
  Notification,
  WidgetTracker
} from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import {
  addIcon,
  fileUploadIcon,
  refreshIcon
} from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { downloadBlob } from './download';
import { formatCount } from './format';
import { datasetUploadIcon, mindzieIcon, runWithMindzieIcon } from './icons';
import { MindzieModel, sameProject } from './model';
import { errorMessage } from './request';
import { IDataset, INotebook, IProjectRef } from './tokens';
import {
  addProjectDialog,
  confirmDialog,
  createNotebookDialog,
  uploadDatasetDialog,
  uploadNotebookDialog
} from './widgets/dialogs';
import { uploadOpenNotebook } from './upload-open';
import { ExecutionView } from './widgets/execution';
import { projectLabel } from './widgets/named';
import { ReportView } from './widgets/report';

export namespace CommandIDs {
  export const openPanel = 'mindzie:open-panel';
  export const refresh = 'mindzie:refresh';
  export const addProject = 'mindzie:add-project';
  export const createNotebook = 'mindzie:create-notebook';
  export const uploadNotebook = 'mindzie:upload-notebook';
  export const uploadDataset = 'mindzie:upload-dataset';
  export const deleteNotebook = 'mindzie:delete-notebook';
  export const deleteDataset = 'mindzie:delete-dataset';
  export const openNotebook = 'mindzie:open-notebook';
  export const runNotebook = 'mindzie:run-notebook';
  export const openExecution = 'mindzie:open-execution';
  export const cancelExecution = 'mindzie:cancel-execution';
  export const goToCell = 'mindzie:go-to-cell';
  export const openReport = 'mindzie:open-report';
  export const downloadResults = 'mindzie:download-results';
}

/**
 * What the commands act on.
 */
export interface ICommandContext {
  app: JupyterFrontEnd;
  model: MindzieModel;
  rendermime: IRenderMimeRegistry;
  notebooks: INotebookTracker | null;
  /**
   * Shows the side panel.
   */
  showPanel: () => void;
  executions: WidgetTracker<MainAreaWidget<ExecutionView>>;
  reports: WidgetTracker<MainAreaWidget<ReportView>>;
}

/**
 * The ids of an execution, as command arguments.
 */
interface IExecutionArgs extends IProjectRef {
  notebookId: string;
  executionId: string;
}

export function addCommands(context: ICommandContext): void {
  const { app, model } = context;
  const { commands } = app;
  const { trans } = model;
  const service = model.service;

  const requireProject = (): IProjectRef | null => {
    if (!model.project) {
      Notification.warning(
        trans.__('Choose a mindzie project in the mindzie panel first.'),
        {
          autoClose: 5000
        }
      );
      context.showPanel();
      return null;
    }
    return model.project;
  };

  commands.addCommand(CommandIDs.openPanel, {
    label: trans.__('Open mindzie Panel'),
    caption: trans.__('Show the mindzie side panel'),
    icon: mindzieIcon,
    execute: () => context.showPanel()
  });

  commands.addCommand(CommandIDs.refresh, {
    label: trans.__('Refresh mindzie Panel'),
    caption: trans.__('Reload projects, notebooks and datasets'),
    icon: refreshIcon,
    execute: () => model.refresh()
  });

  commands.addCommand(CommandIDs.addProject, {
    label: trans.__('Open mindzie Project…'),
    caption: trans.__('Open a project by its tenant and project ids'),
    execute: async () => {
      const tenantNames: Record<string, string> = {};
      for (const known of model.projects.data ?? []) {
        if (known.tenantName) {
          tenantNames[known.tenantId.toLowerCase()] = known.tenantName;
        }
      }
      const project = await addProjectDialog({
        tenants: model.tenants,
        suggestedTenant: model.project?.tenantId ?? null,
        tenantNames,
        submit: async ({ projectName, ...project }) => {
          if (projectName) {
            await service.nameProject(project, { projectName });
          }
          return project;
        }
      });
      if (project) {
        context.showPanel();
        await model.addProject(project);
      }
      return project;
    }
  });

  commands.addCommand(CommandIDs.createNotebook, {
    label: trans.__('New mindzie Notebook…'),
    caption: trans.__('Create a notebook in the current mindzie project'),
    icon: addIcon,
    execute: async () => {
      const project = requireProject();
      if (!project) {
        return;
      }
      await model.refreshDatasets();
      const specs = app.serviceManager.kernelspecs.specs?.kernelspecs ?? {};
      const kernels = Object.values(specs)
        .filter(spec => !!spec)
        .map(spec => ({ name: spec!.name, displayName: spec!.display_name }));
      const notebook = await createNotebookDialog({
        datasets: model.datasets.data ?? [],
        kernels,
        submit: values =>
          service.createNotebook(project, {
            notebookName: values.notebookName.trim(),
            notebookDescription: values.notebookDescription.trim() || null,
            template: values.template,
            kernelType: values.kernelType,
            integration: {
              datasetBinding: values.datasetBinding,
              enrichmentMode: values.enrichmentMode,
              outputFormat: values.outputFormat
            }
          })
      });
      if (notebook) {
        Private.created(
          context,
          notebook,
          trans.__('Created “%1”.', notebook.notebookName)
        );
      }
      return notebook;
    }
  });

  commands.addCommand(CommandIDs.uploadNotebook, {
    label: trans.__('Upload Notebook to mindzie…'),
    caption: trans.__('Upload an .ipynb file into the current mindzie project'),
    icon: fileUploadIcon,
    execute: async () => {
      const project = requireProject();
      if (!project) {
        return;
      }
      const notebook = await uploadNotebookDialog({
        datasets: model.datasets.data ?? [],
        submit: values =>
          service.uploadNotebook(project, values.file, values.file.name, {
            notebookName: values.notebookName.trim() || undefined,
            datasetBinding: values.datasetBinding,
            enrichmentMode: values.enrichmentMode
          })
      });
      if (notebook) {
        Private.created(
          context,
          notebook,
          trans.__('Uploaded “%1”.', notebook.notebookName)
        );
      }
      return notebook;
    }
  });

  commands.addCommand(CommandIDs.uploadDataset, {
    label: trans.__('Upload Dataset to mindzie…'),
    caption: trans.__(
      'Upload a CSV or Parquet event log into the current mindzie project'
    ),
    icon: datasetUploadIcon,
    execute: async (): Promise<IDataset | null | undefined> => {
      const project = requireProject();
      if (!project) {
        return;
      }
      const dataset = await uploadDatasetDialog({
        submit: values =>
          service.uploadDataset(
            project,
            values.file,
            values.file.name,
            values.name
          )
      });
      if (dataset) {
        Notification.success(
          trans.__(
            'Uploaded dataset “%1”: %2, %3.',
            dataset.name,
            trans._n(
              '%2 row',
              '%2 rows',
              dataset.recordCount,
              formatCount(dataset.recordCount)
            ),
            trans._n('%1 column', '%1 columns', dataset.columns.length)
          ),
          { autoClose: 4000 }
        );
        await Promise.all([model.refreshDatasets(), model.refreshProjects()]);
      }
      return dataset;
    }
  });

  commands.addCommand(CommandIDs.deleteNotebook, {
    label: args =>
      args.notebookName
        ? trans.__('Delete “%1”', args.notebookName as string)
        : trans.__('Delete Notebook'),
    caption: trans.__(
      'Delete a mindzie notebook, its file and its execution history'
    ),
    execute: async args => {
      const project = requireProject();
      const notebookId = args.notebookId as string;
      if (!project || !notebookId) {
        return false;
      }
      const name = (args.notebookName as string) || notebookId;
      const ok = await confirmDialog({
        title: trans.__('Delete notebook'),
        body: trans.__(
          'Delete “%1”? Its file and its whole execution history are deleted too. This cannot be undone.',
          name
        ),
        acceptLabel: trans.__('Delete'),
        trans
      });
      if (!ok) {
        return false;
      }
      try {
        await service.deleteNotebook(project, notebookId);
      } catch (error) {
        Notification.error(
          trans.__('Could not delete “%1”: %2', name, errorMessage(error)),
          {
            autoClose: false
          }
        );
        return false;
      }
      Notification.success(trans.__('Deleted “%1”.', name), {
        autoClose: 3000
      });
      if (model.notebookId === notebookId) {
        await model.selectNotebook(null);
      } else {
        await model.refreshNotebooks();
      }
      void model.refreshProjects();
      return true;
    }
  });

  commands.addCommand(CommandIDs.deleteDataset, {
    label: trans.__('Delete Dataset'),
    caption: trans.__('Delete a dataset of the current mindzie project'),
    execute: async args => {
      const project = requireProject();
      const datasetId = args.datasetId as string;
      if (!project || !datasetId) {
        return false;
      }
      const name = (args.name as string) || datasetId;
      const ok = await confirmDialog({
        title: trans.__('Delete dataset'),
        body: trans.__(
          'Delete the dataset “%1”? Notebooks bound to it can no longer load it.',
          name
        ),
        acceptLabel: trans.__('Delete'),
        trans
      });
      if (!ok) {
        return false;
      }
      try {
        await service.deleteDataset(project, datasetId);
      } catch (error) {
        Notification.error(
          trans.__('Could not delete “%1”: %2', name, errorMessage(error)),
          {
            autoClose: false
          }
        );
        return false;
      }
      Notification.success(trans.__('Deleted dataset “%1”.', name), {
        autoClose: 3000
      });
      await Promise.all([model.refreshDatasets(), model.refreshProjects()]);
      return true;
    }
  });

  commands.addCommand(CommandIDs.openNotebook, {
    label: trans.__('Open in JupyterLab'),
    caption: trans.__('Open the notebook file in the notebook editor'),
    execute: args =>
      commands.execute('docmanager:open', {
        path: args.path as string,
        factory: 'Notebook'
      })
  });

  commands.addCommand(CommandIDs.runNotebook, {
    label: trans.__('Run with mindzie'),
    caption: trans.__(
      'Run this notebook with mindzie: parameters, live progress and results'
    ),
    icon: runWithMindzieIcon,
    isEnabled: () => !!context.notebooks?.currentWidget,
    execute: async () => {
      const panel = context.notebooks?.currentWidget;
      if (!panel) {
        return;
      }
      await Private.runNotebook(context, panel);
    }
  });

  commands.addCommand(CommandIDs.openExecution, {
    label: trans.__('Open mindzie Execution'),
    caption: trans.__('Show an execution: live progress, cells and results'),
    execute: async args => {
      const ids = Private.executionArgs(args);
      if (!ids) {
        return;
      }
      // One tab per notebook's runs: the run is picked in it, unless a new tab is asked for.
      const newTab = !!args.newTab;
      const existing =
        context.executions.find(
          widget =>
            widget.content.executionId === ids.executionId &&
            (!newTab || widget.content.detached)
        ) ??
        (newTab
          ? undefined
          : context.executions.find(
              widget =>
                widget.content.notebookId === ids.notebookId &&
                !widget.content.detached
            ));
      if (existing) {
        existing.content.showExecution(ids.executionId);
        app.shell.activateById(existing.id);
        return existing;
      }
      const content = new ExecutionView({
        ...ids,
        notebookName: (args.notebookName as string) || undefined,
        model,
        rendermime: context.rendermime,
        commands,
        detached: newTab
      });
      const widget = new MainAreaWidget({ content });
      widget.id = newTab
        ? `jp-mindzie-execution-${ids.executionId}`
        : `jp-mindzie-runs-${ids.notebookId}`;
      widget.title.icon = mindzieIcon;
      widget.title.closable = true;
      widget.addClass('jp-mindzie-ExecutionTab');
      await context.executions.add(widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
      return widget;
    }
  });

  commands.addCommand(CommandIDs.cancelExecution, {
    label: trans.__('Cancel mindzie Execution'),
    caption: trans.__('Stop a queued or running execution'),
    execute: async args => {
      const ids = Private.executionArgs(args);
      if (!ids) {
        return false;
      }
      const ok = await confirmDialog({
        title: trans.__('Stop this run?'),
        body: trans.__(
          'Stop this execution? Its kernel is interrupted and shut down; cells already run keep their results.'
        ),
        acceptLabel: trans._p('cancel dialog', 'Stop run'),
        rejectLabel: trans._p('cancel dialog', 'Keep running'),
        trans
      });
      if (!ok) {
        return false;
      }
      const watcher = model.watch(ids, ids.notebookId, ids.executionId);
      try {
        const execution = await service.cancelExecution(
          ids,
          ids.notebookId,
          ids.executionId
        );
        watcher.update(execution);
        void watcher.refresh();
      } catch (error) {
        Notification.error(
          trans.__('Could not cancel the execution: %1', errorMessage(error)),
          {
            autoClose: false
          }
        );
        void watcher.refresh();
        return false;
      }
      return true;
    }
  });

  commands.addCommand(CommandIDs.goToCell, {
    label: trans.__('Go to Cell'),
    caption: trans.__('Open the notebook and select the cell'),
    execute: async args => {
      const path = args.path as string;
      const cellId = args.cellId as string;
      if (!path || !cellId) {
        return;
      }
      const widget = (await commands.execute('docmanager:open', {
        path,
        factory: 'Notebook'
      })) as Widget | undefined;
      if (!(widget instanceof NotebookPanel)) {
        return;
      }
      await widget.context.ready;
      await widget.revealed;
      const notebook = widget.content;
      const index = notebook.widgets.findIndex(
        cell => cell.model.id === cellId
      );
      if (index < 0) {
        Notification.warning(
          trans.__(
            'The cell %1 is no longer in %2: it was deleted or its id changed.',
            cellId,
            path
          ),
          { autoClose: 6000 }
        );
        return;
      }
      notebook.activeCellIndex = index;
      notebook.deselectAll();
      await notebook.scrollToItem(index, 'center');
      app.shell.activateById(widget.id);
      notebook.activeCell?.node.focus();
    }
  });

  commands.addCommand(CommandIDs.openReport, {
    label: args =>
      args.name
        ? trans.__('Open Report “%1”', args.name as string)
        : trans.__('Open Report'),
    caption: trans.__('Open an execution’s HTML report in a JupyterLab tab'),
    execute: async args => {
      const url = args.url as string;
      if (!url) {
        return;
      }
      const existing = context.reports.find(
        widget => widget.content.url === url
      );
      if (existing) {
        app.shell.activateById(existing.id);
        return existing;
      }
      const content = new ReportView({
        url,
        name: (args.name as string) || trans.__('Report'),
        service,
        trans
      });
      const widget = new MainAreaWidget({ content });
      widget.id = `jp-mindzie-report-${Private.hash(url)}`;
      widget.title.label = trans.__('Report: %1', content.name);
      widget.title.icon = mindzieIcon;
      widget.title.closable = true;
      await context.reports.add(widget);
      app.shell.add(widget, 'main');
      app.shell.activateById(widget.id);
      return widget;
    }
  });

  commands.addCommand(CommandIDs.downloadResults, {
    label: trans.__('Download All Results'),
    caption: trans.__(
      'Download every artifact of the execution as one zip file'
    ),
    execute: async args => {
      const ids = Private.executionArgs(args);
      if (!ids) {
        return;
      }
      try {
        const blob = await service.downloadResults(
          ids,
          ids.notebookId,
          ids.executionId
        );
        downloadBlob(blob, `execution-${ids.executionId}.zip`);
      } catch (error) {
        Notification.error(
          trans.__('Could not download the results: %1', errorMessage(error)),
          {
            autoClose: false
          }
        );
      }
    }
  });
}

namespace Private {
  export function executionArgs(
    args: ReadonlyPartialJSONObject
  ): IExecutionArgs | null {
    const { tenantId, projectId, notebookId, executionId } = args as Record<
      string,
      string | undefined
    >;
    if (!tenantId || !projectId || !notebookId || !executionId) {
      console.warn(
        'jupyter-mindzie: an execution command needs its four ids',
        args
      );
      return null;
    }
    return { tenantId, projectId, notebookId, executionId };
  }

  /**
   * After a create or an upload: say so, list the server's warnings, show the notebook.
   */
  export function created(
    context: ICommandContext,
    notebook: INotebook,
    message: string
  ): void {
    const { app, model } = context;
    const { trans } = model;
    Notification.success(message, {
      autoClose: 4000,
      actions: [
        {
          label: trans.__('Open'),
          caption: trans.__('Open the notebook in JupyterLab'),
          callback: () => {
            void app.commands.execute(CommandIDs.openNotebook, {
              path: notebook.path
            });
          }
        }
      ]
    });
    const warnings = notebook.validation?.warnings ?? [];
    if (warnings.length) {
      Notification.warning(
        trans.__('“%1”: %2', notebook.notebookName, warnings.join(' ')),
        { autoClose: false }
      );
    }
    void model.refreshProjects();
    void model.selectNotebook(notebook.notebookId, 'run');
  }

  /**
   * "Run with mindzie" on an open notebook: save it, find its mindzie notebook, show the form.
   */
  export async function runNotebook(
    context: ICommandContext,
    panel: NotebookPanel
  ): Promise<void> {
    const { model } = context;
    const { trans } = model;
    const meta = (panel.context.model.getMetadata('mindzie') ?? {}) as Record<
      string,
      unknown
    >;
    const notebookId =
      typeof meta.notebookId === 'string' ? meta.notebookId : null;
    const tenantId = typeof meta.tenantId === 'string' ? meta.tenantId : null;
    const projectId =
      typeof meta.projectId === 'string' ? meta.projectId : null;
    if (!notebookId || !tenantId || !projectId) {
      notMindzie(context, panel);
      return;
    }
    // A run reads the saved file: save first so it runs what the analyst sees.
    if (panel.context.model.dirty && !panel.context.model.readOnly) {
      try {
        await panel.context.save();
      } catch (error) {
        Notification.error(
          trans.__(
            'Could not save %1 before the run: %2',
            panel.context.path,
            errorMessage(error)
          ),
          { autoClose: false }
        );
        return;
      }
    }
    context.showPanel();
    const project = { tenantId, projectId };
    if (!sameProject(project, model.project)) {
      await model.addProject(project);
    }
    await model.selectNotebook(notebookId.toLowerCase(), 'run');
  }

  /**
   * Say the open notebook is not a mindzie one, with an Upload that sends it (as it is on
   * screen) to the panel's project and shows its run form.
   */
  export function notMindzie(
    context: ICommandContext,
    panel: NotebookPanel
  ): void {
    const { model } = context;
    const { trans } = model;
    const project = model.project;
    const summary = project
      ? model.projects.data?.find(p => sameProject(p, project))
      : undefined;
    const message = project
      ? trans.__(
          '%1 is not a mindzie notebook. Upload it to the mindzie project “%2” to run it there.',
          panel.context.path,
          summary ? projectLabel(summary) : project.projectId
        )
      : trans.__(
          '%1 is not a mindzie notebook. Choose a project in the mindzie panel, then upload it to run it there.',
          panel.context.path
        );
    Notification.warning(message, {
      autoClose: 8000,
      actions: [
        {
          label: trans.__('Upload'),
          caption: trans.__(
            'Upload this notebook to the current mindzie project'
          ),
          callback: () => {
            void uploadThis(context, panel);
          }
        }
      ]
    });
  }

  export async function uploadThis(
    context: ICommandContext,
    panel: NotebookPanel
  ): Promise<void> {
    const { model } = context;
    const { trans } = model;
    const project = model.project;
    if (!project) {
      context.showPanel();
      Notification.warning(
        trans.__('Choose a mindzie project in the mindzie panel first.'),
        { autoClose: 5000 }
      );
      return;
    }
    try {
      const notebook = await uploadOpenNotebook(model.service, project, panel);
      context.showPanel();
      created(
        context,
        notebook,
        trans.__('Uploaded “%1”.', notebook.notebookName)
      );
    } catch (error) {
      Notification.error(
        trans.__(
          'Could not upload %1: %2',
          panel.context.path,
          errorMessage(error)
        ),
        { autoClose: false }
      );
    }
  }

  export function hash(text: string): string {
    let h = 0;
    for (let i = 0; i < text.length; i++) {
      h = (Math.imul(31, h) + text.charCodeAt(i)) | 0;
    }
    return (h >>> 0).toString(36);
  }
}
