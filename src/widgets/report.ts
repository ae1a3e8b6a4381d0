/**
 * ReportView: an execution's HTML report in a JupyterLab tab, in a sandboxed frame.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { formatLocale } from '../format';
import { errorMessage } from '../request';
import { IMindzieService } from '../tokens';

/**
 * Loads the report with the page's credentials and shows it in an `<iframe sandbox>`: the report
 * is the run's untrusted output, so it may not run script or reach the page.
 */
export class ReportView extends Widget {
  constructor(options: ReportView.IOptions) {
    super();
    this.url = options.url;
    this.name = options.name;
    this._service = options.service;
    this._trans = options.trans ?? formatLocale().trans;
    this.addClass('jp-mindzie-ReportView');
    this.node.dataset.testid = 'mindzie-report';
    this._status = document.createElement('div');
    this._status.className = 'jp-mindzie-ReportView-status';
    this._status.textContent = this._trans.__('Loading the report…');
    this._frame = document.createElement('iframe');
    this._frame.className = 'jp-mindzie-ReportView-frame';
    // No allow-scripts, no allow-same-origin: static HTML only.
    this._frame.setAttribute('sandbox', '');
    this._frame.setAttribute('referrerpolicy', 'no-referrer');
    this._frame.title = options.name;
    this.node.append(this._status, this._frame);
    void this.load();
  }

  readonly url: string;
  readonly name: string;

  /**
   * (Re)load the report from the server.
   */
  async load(): Promise<void> {
    this.node.dataset.state = 'loading';
    try {
      const blob = await this._service.fetchArtifact(this.url);
      this._frame.srcdoc = await blob.text();
      this._status.textContent = '';
      this.node.dataset.state = 'ok';
    } catch (error) {
      this._status.textContent = this._trans.__(
        'Could not load the report: %1',
        errorMessage(error)
      );
      this._status.classList.add('jp-mindzie-Error');
      this._status.setAttribute('role', 'alert');
      this.node.dataset.state = 'error';
    }
  }

  private _service: IMindzieService;
  private _trans: TranslationBundle;
  private _status: HTMLDivElement;
  private _frame: HTMLIFrameElement;
}

export namespace ReportView {
  export interface IOptions {
    url: string;
    name: string;
    service: IMindzieService;
    trans?: TranslationBundle;
  }
}
