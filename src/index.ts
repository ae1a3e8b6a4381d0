/**
 * The jupyter-mindzie JupyterLab plugin: wires the service, the panel's model, the side panel,
 * the commands and the notebook toolbar button into Lab.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import {
  ICommandPalette,
  MainAreaWidget,
  WidgetTracker
} from '@jupyterlab/apputils';
import {
  IDefaultFileBrowser,
  IDefaultFileBrowserRenderer
} from '@jupyterlab/filebrowser';
import { INotebookTracker } from '@jupyterlab/notebook';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import { Event } from '@jupyterlab/services';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStateDB } from '@jupyterlab/statedb';
import { ITranslator } from '@jupyterlab/translation';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { CommandIDs, addCommands } from './commands';
import {
  FolderNamesRenderer,
  folderNamesPlugin,
  followFolderNames
} from './folder-names';
import { setFormatLocale } from './format';
import { loadLocale } from './i18n';
import { DEFAULT_SETTINGS, IPanelSettings, MindzieModel } from './model';
import { OpenNotebooks } from './open-notebooks';
import { RunEvents } from './run-events';
import { RunNotifier } from './run-notifications';
import { MindzieService } from './service';
import { IMindzieService } from './tokens';
import { ExecutionView } from './widgets/execution';
import { MindziePanel } from './widgets/panel';
import { ReportView } from './widgets/report';

export * from './tokens';
export { MindzieRequestError, requestAPI, requestBlob } from './request';
export { MindzieService } from './service';
export { MindzieModel } from './model';
export { MindziePanel } from './widgets/panel';
export { CommandIDs } from './commands';

const PLUGIN_ID = 'jupyter-mindzie:plugin';

const plugin: JupyterFrontEndPlugin<IMindzieService> = {
  id: PLUGIN_ID,
  description:
    'Run process-mining notebooks as a service: the mindzie side panel and REST client.',
  autoStart: true,
  provides: IMindzieService,
  requires: [IRenderMimeRegistry],
  optional: [
    ISettingRegistry,
    ILayoutRestorer,
    ICommandPalette,
    INotebookTracker,
    IStateDB,
    ITranslator,
    IDefaultFileBrowser,
    IDefaultFileBrowserRenderer
  ],
  activate: (
    app: JupyterFrontEnd,
    rendermime: IRenderMimeRegistry,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null,
    notebooks: INotebookTracker | null,
    state: IStateDB | null,
    translator: ITranslator | null,
    fileBrowser: IDefaultFileBrowser | null,
    listingRenderer: IDefaultFileBrowserRenderer | null
  ): IMindzieService => {
    const locale = loadLocale(translator);
    const { trans } = locale;
    setFormatLocale(locale);
    const service = new MindzieService({
      serverSettings: app.serviceManager.serverSettings,
      language: locale.language
    });
    // Runs are followed by the server's events where the frontend has them.
    const events = new RunEvents(Private.eventManager(app));
    const model = new MindzieModel({ service, state, trans, events });
    const notifier = new RunNotifier({
      model,
      commands: app.commands,
      openCommand: CommandIDs.openExecution
    });

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          const apply = () => {
            model.updateSettings(Private.readSettings(settings));
            notifier.enabled = settings.composite.notifyRuns !== false;
          };
          apply();
          settings.changed.connect(apply);
        })
        .catch(reason => {
          console.error(
            'jupyter-mindzie: could not load the settings.',
            reason
          );
        });
    }

    if (fileBrowser && listingRenderer instanceof FolderNamesRenderer) {
      const names = listingRenderer.names;
      model.changed.connect(() => {
        const projects = model.projects.data;
        if (projects) {
          names.update({ projects });
        }
      });
      followFolderNames(fileBrowser, names);
    }

    const panel = new MindziePanel({
      model,
      commands: app.commands,
      trans,
      notebooks: new OpenNotebooks(notebooks, app.serviceManager.contents)
    });
    app.shell.add(panel, 'left', { rank: 600 });
    restorer?.add(panel, 'jupyter-mindzie');

    const executions = new WidgetTracker<MainAreaWidget<ExecutionView>>({
      namespace: 'mindzie-execution'
    });
    const reports = new WidgetTracker<MainAreaWidget<ReportView>>({
      namespace: 'mindzie-report'
    });
    addCommands({
      app,
      model,
      rendermime,
      notebooks,
      executions,
      reports,
      showPanel: () => app.shell.activateById(panel.id)
    });
    if (restorer) {
      void restorer.restore(executions, {
        command: CommandIDs.openExecution,
        args: widget =>
          widget.content.args as unknown as ReadonlyPartialJSONObject,
        name: widget => widget.content.executionId
      });
      void restorer.restore(reports, {
        command: CommandIDs.openReport,
        args: widget => ({
          url: widget.content.url,
          name: widget.content.name
        }),
        name: widget => widget.content.url
      });
    }

    if (palette) {
      for (const command of [
        CommandIDs.openPanel,
        CommandIDs.runNotebook,
        CommandIDs.createNotebook,
        CommandIDs.uploadNotebook,
        CommandIDs.uploadDataset,
        CommandIDs.addProject,
        CommandIDs.refresh
      ]) {
        palette.addItem({
          command,
          category: trans._p('command palette category', 'mindzie')
        });
      }
    }

    return service;
  }
};

namespace Private {
  /**
   * JupyterLab's event manager, or null in a frontend without one.
   */
  export function eventManager(app: JupyterFrontEnd): Event.IManager | null {
    return (app.serviceManager as { events?: Event.IManager }).events ?? null;
  }

  export function readSettings(
    settings: ISettingRegistry.ISettings
  ): IPanelSettings {
    const composite = settings.composite as Partial<IPanelSettings>;
    return {
      defaultTenantId: String(composite.defaultTenantId ?? '').trim(),
      defaultProjectId: String(composite.defaultProjectId ?? '').trim(),
      pageSize: Number(composite.pageSize) || DEFAULT_SETTINGS.pageSize,
      pollInterval:
        Number(composite.pollInterval) || DEFAULT_SETTINGS.pollInterval,
      generateReport:
        composite.generateReport ?? DEFAULT_SETTINGS.generateReport
    };
  }
}

export default [plugin, folderNamesPlugin];
