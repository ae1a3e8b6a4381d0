/**
 * The jupyter-mindzie JupyterLab plugin: wires the service and the side panel into Lab.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { ISettingRegistry } from '@jupyterlab/settingregistry';

import { MindzieService } from './service';
import { IMindzieService } from './tokens';
import { MindziePanel } from './widgets/panel';

export * from './tokens';
export { MindzieRequestError, requestAPI } from './request';
export { MindzieService } from './service';
export { MindziePanel } from './widgets/panel';

namespace CommandIDs {
  export const openPanel = 'mindzie:open-panel';
}

const PLUGIN_ID = 'jupyter-mindzie:plugin';

const plugin: JupyterFrontEndPlugin<IMindzieService> = {
  id: PLUGIN_ID,
  description:
    'Run process-mining notebooks as a service: the mindzie side panel and REST client.',
  autoStart: true,
  provides: IMindzieService,
  optional: [ISettingRegistry, ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    settingRegistry: ISettingRegistry | null,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ): IMindzieService => {
    console.log('jupyter-mindzie is activated!');

    if (settingRegistry) {
      settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          console.debug('jupyter-mindzie settings loaded:', settings.composite);
        })
        .catch(reason => {
          console.error('Failed to load settings for jupyter-mindzie.', reason);
        });
    }

    const service = new MindzieService({
      serverSettings: app.serviceManager.serverSettings
    });

    const panel = new MindziePanel({ service });
    app.shell.add(panel, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(panel, 'jupyter-mindzie');
    }

    app.commands.addCommand(CommandIDs.openPanel, {
      label: 'Open mindzie panel',
      caption: 'Show the mindzie side panel',
      execute: () => {
        app.shell.activateById(panel.id);
      }
    });
    if (palette) {
      palette.addItem({ command: CommandIDs.openPanel, category: 'mindzie' });
    }

    return service;
  }
};

export default plugin;
