/**
 * Page object for the mindzie side panel.
 */
import type { Locator, Page } from '@playwright/test';

export class MindziePanelHelper {
  static readonly ID = 'jp-mindzie-panel';

  constructor(readonly page: Page) {}

  /**
   * The panel's tab in the left sidebar.
   */
  get tab(): Locator {
    return this.page.locator(
      `.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="${MindziePanelHelper.ID}"]`
    );
  }

  get panel(): Locator {
    return this.page.locator(`#${MindziePanelHelper.ID}`);
  }

  /**
   * The server info block, once the server answered.
   */
  get serverInfo(): Locator {
    return this.panel.locator('.jp-mindzie-ServerInfo[data-status="ok"]');
  }

  /**
   * The error block, if the server could not be reached.
   */
  get error(): Locator {
    return this.panel.locator('.jp-mindzie-Error[data-status="error"]');
  }

  /**
   * Open the panel by clicking its sidebar tab.
   */
  async open(): Promise<void> {
    await this.tab.click();
    await this.panel.waitFor({ state: 'visible' });
  }
}
