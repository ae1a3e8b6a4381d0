/**
 * MindziePanel: the mindzie side panel of JupyterLab.
 */
import {
  SidePanel,
  ToolbarButton,
  refreshIcon
} from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';
import { Panel, Widget } from '@lumino/widgets';

import { mindzieIcon } from '../icons';
import { IMindzieService } from '../tokens';
import { ServerInfoView } from './server-info';

/**
 * The side panel; it talks to the server the first time it is shown.
 */
export class MindziePanel extends SidePanel {
  constructor(options: MindziePanel.IOptions) {
    // A plain content panel: the default accordion would add a title bar per part.
    super({ content: new Panel() });
    this.id = MindziePanel.ID;
    this.addClass('jp-mindzie-Panel');
    this.title.icon = mindzieIcon;
    this.title.caption = 'mindzie';

    const heading = document.createElement('h2');
    heading.textContent = 'mindzie';
    this.header.addWidget(new Widget({ node: heading }));

    this._serverInfo = new ServerInfoView({ service: options.service });
    this.toolbar.addItem(
      'refresh',
      new ToolbarButton({
        icon: refreshIcon,
        tooltip: 'Refresh',
        onClick: () => void this.refresh()
      })
    );
    this.addWidget(this._serverInfo);
  }

  /**
   * Load (again) what the panel shows from the server.
   */
  refresh(): Promise<void> {
    this._loaded = true;
    return this._serverInfo.refresh();
  }

  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (!this._loaded) {
      void this.refresh();
    }
  }

  private _serverInfo: ServerInfoView;
  private _loaded = false;
}

export namespace MindziePanel {
  /**
   * The panel's DOM id (also its sidebar tab's `data-id`).
   */
  export const ID = 'jp-mindzie-panel';

  export interface IOptions {
    service: IMindzieService;
  }
}
