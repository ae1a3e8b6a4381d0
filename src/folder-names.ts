/**
 * The file browser shows a project's folders by name: the server keeps them at their GUID
 * paths (`mindzie/<tenant>/<project>`), which is what scripts and the API need, but people know
 * their projects by the names the panel shows. JupyterLab's directory listing takes a renderer
 * (`IDefaultFileBrowserRenderer`), so its rows are ours to label; the breadcrumbs have no such
 * hook, so a MutationObserver confined to them relabels each crumb JupyterLab writes. Only the
 * text and the tooltip change: paths, navigation, renaming and drag and drop see the GUIDs.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import type { DocumentRegistry } from '@jupyterlab/docregistry';
import {
  DirListing,
  FileBrowser,
  IDefaultFileBrowserRenderer
} from '@jupyterlab/filebrowser';
import { Contents } from '@jupyterlab/services';
import { ITranslator, TranslationBundle } from '@jupyterlab/translation';
import { ISignal, Signal } from '@lumino/signaling';

import { loadLocale } from './i18n';
import { isGuid } from './model';
import { MindzieService } from './service';
import { IProjectList } from './tokens';

/**
 * A GUID folder's name for people, and the id it stands for.
 */
export interface IFolderLabel {
  name: string;
  id: string;
}

/**
 * The display names of the tenants and projects the user can reach, by folder.
 */
export class FolderNames {
  constructor(options: {
    load: () => Promise<IProjectList>;
    trans: TranslationBundle;
  }) {
    this._load = options.load;
    this.trans = options.trans;
  }

  readonly trans: TranslationBundle;

  /**
   * Emitted when a name changed, so labels already shown can follow.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * The label of the folder at `path` when its last part is a tenant's or a project's GUID
   * with a display name; a GUID not heard of yet asks the server once.
   */
  label(path: string): IFolderLabel | null {
    const parts = path.split('/').filter(part => part !== '');
    const last = parts[parts.length - 1]?.toLowerCase();
    if (!last || !isGuid(last)) {
      return null;
    }
    const parent = parts[parts.length - 2]?.toLowerCase() ?? '';
    const project = this._projects.get(`${parent}/${last}`);
    if (project !== undefined) {
      return project ? { name: project, id: last } : null;
    }
    const tenant = this._tenants.get(last);
    if (tenant !== undefined) {
      return tenant ? { name: tenant, id: last } : null;
    }
    this._askOnce();
    return null;
  }

  /**
   * Take the names of a project list (the panel's, or our own request's).
   */
  update(list: Pick<IProjectList, 'projects'>): void {
    const projects = new Map<string, string>();
    const tenants = new Map<string, string>();
    for (const p of list.projects) {
      const tenantId = p.tenantId.toLowerCase();
      const projectId = p.projectId.toLowerCase();
      projects.set(`${tenantId}/${projectId}`, p.projectName?.trim() ?? '');
      if (p.tenantName?.trim() || !tenants.has(tenantId)) {
        tenants.set(tenantId, p.tenantName?.trim() ?? '');
      }
    }
    const same =
      Private.sameMap(projects, this._projects) &&
      Private.sameMap(tenants, this._tenants);
    this._projects = projects;
    this._tenants = tenants;
    this._loaded = true;
    if (!same) {
      this._changed.emit();
    }
  }

  /**
   * Ask the server for the names, at most once a minute, so an unknown GUID folder costs one
   * request and a folder of some other GUID none after that.
   */
  private _askOnce(): void {
    const now = Date.now();
    if (this._asking || (this._loaded && now - this._askedAt < 60_000)) {
      return;
    }
    this._asking = true;
    this._askedAt = now;
    this._load()
      .then(list => this.update(list))
      .catch(reason => {
        console.warn(
          'jupyter-mindzie: no project names for the file browser.',
          reason
        );
      })
      .finally(() => {
        this._asking = false;
      });
  }

  private _load: () => Promise<IProjectList>;
  private _projects = new Map<string, string>();
  private _tenants = new Map<string, string>();
  private _loaded = false;
  private _asking = false;
  private _askedAt = 0;
  private _changed = new Signal<this, void>(this);
}

/**
 * JupyterLab's directory listing renderer, with GUID folders labelled by their names.
 */
export class FolderNamesRenderer extends DirListing.Renderer {
  constructor(readonly names: FolderNames) {
    super();
  }

  updateItemNode(
    node: HTMLElement,
    model: Contents.IModel,
    fileType?: DocumentRegistry.IFileType,
    ...rest: Private.UpdateRest
  ): void {
    super.updateItemNode(node, model, fileType, ...rest);
    // JupyterLab skips a row whose model did not change, leaving what we wrote last: the
    // title we set stands for JupyterLab's own, kept beside it.
    const last = this._shown.get(node);
    const base = last && node.title === last.title ? last.base : node.title;
    const label =
      model.type === 'directory' ? this.names.label(model.path) : null;
    const text = node.querySelector('.jp-DirListing-itemText span');
    // Only the text node's data changes: JupyterLab's virtual DOM keeps the node it rendered
    // (a name highlighted by the filter has several nodes, and is left as it is).
    const shown = text?.firstChild;
    if (text?.childNodes.length === 1 && shown instanceof Text) {
      const wanted = label?.name ?? model.name;
      if (shown.data !== wanted) {
        shown.data = wanted;
      }
    }
    let title = base;
    const { trans } = this.names;
    if (label) {
      // JupyterLab's first line ("Name: <the GUID>") stays first: tools find rows by it.
      const lines = base.split('\n');
      lines.splice(
        1,
        0,
        trans._p('file browser folder tooltip', 'Display name: %1', label.name)
      );
      title = lines.join('\n');
      node.dataset.mindzieId = label.id;
    } else {
      delete node.dataset.mindzieId;
    }
    node.title = title;
    this._shown.set(node, { title, base });
  }

  private _shown = new WeakMap<HTMLElement, { title: string; base: string }>();
}

/**
 * Relabel the breadcrumbs of `browser` (and its listing when a name changes) for as long as
 * the browser lives.
 */
export function followFolderNames(
  browser: FileBrowser,
  names: FolderNames
): void {
  const crumbs = browser.node.querySelector('.jp-BreadCrumbs');
  const relabel = () => {
    if (!crumbs) {
      return;
    }
    for (const crumb of crumbs.querySelectorAll<HTMLElement>(
      '.jp-BreadCrumbs-item[data-path]:not(.jp-BreadCrumbs-ellipsis)'
    )) {
      const path = crumb.dataset.path ?? '';
      const label = names.label(path);
      const wanted = label ? label.name : (path.split('/').pop() ?? '');
      if (crumb.textContent !== wanted) {
        crumb.textContent = wanted;
      }
      const title = label ? Private.hover(names.trans, label) : path;
      if (crumb.title !== title) {
        crumb.title = title;
      }
      if (label) {
        crumb.dataset.mindzieId = label.id;
      } else {
        delete crumb.dataset.mindzieId;
      }
    }
  };
  const observer = new MutationObserver(relabel);
  if (crumbs) {
    observer.observe(crumbs, { childList: true, subtree: true });
  }
  relabel();
  const onChanged = () => {
    relabel();
    // The listing renders its rows again on a refresh; the crumbs were relabelled above.
    void browser.model.refresh();
  };
  names.changed.connect(onChanged);
  browser.disposed.connect(() => {
    observer.disconnect();
    names.changed.disconnect(onChanged);
  });
}

/**
 * Provides the default file browser's listing renderer: JupyterLab's own, with a project's
 * GUID folders labelled by name. The panel's plugin feeds it the names it loads and renames.
 */
export const folderNamesPlugin: JupyterFrontEndPlugin<IDefaultFileBrowserRenderer> =
  {
    id: 'jupyter-mindzie:folder-names',
    description:
      "Shows mindzie projects' folders in the file browser by their display names.",
    autoStart: true,
    provides: IDefaultFileBrowserRenderer,
    optional: [ITranslator],
    activate: (
      app: JupyterFrontEnd,
      translator: ITranslator | null
    ): IDefaultFileBrowserRenderer => {
      const locale = loadLocale(translator);
      const service = new MindzieService({
        serverSettings: app.serviceManager.serverSettings,
        language: locale.language
      });
      return new FolderNamesRenderer(
        new FolderNames({
          load: () => service.listProjects(),
          trans: locale.trans
        })
      );
    }
  };

namespace Private {
  /**
   * The arguments of `updateItemNode` after the node, the model and the file type.
   */
  export type UpdateRest =
    Parameters<DirListing.Renderer['updateItemNode']> extends [
      HTMLElement,
      Contents.IModel,
      unknown?,
      ...infer R
    ]
      ? R
      : never;

  /**
   * The tooltip of a labelled folder: its name and the GUID it is kept under.
   */
  export function hover(trans: TranslationBundle, label: IFolderLabel): string {
    return trans._p(
      'file browser folder tooltip: name, id',
      '%1 (folder %2)',
      label.name,
      label.id
    );
  }

  export function sameMap(
    a: Map<string, string>,
    b: Map<string, string>
  ): boolean {
    return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
  }
}
