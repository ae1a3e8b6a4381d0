/**
 * MindzieModel: what the side panel shows (project, notebooks, datasets, the selected notebook)
 * and the watchers of running executions, shared by the panel, its commands and result tabs.
 */
import { IStateDB } from '@jupyterlab/statedb';
import { TranslationBundle } from '@jupyterlab/translation';
import { ReadonlyJSONObject } from '@lumino/coreutils';
import { ISignal, Signal } from '@lumino/signaling';

import {
  IDataset,
  IExecution,
  IExecutionSummary,
  IMindzieService,
  INotebook,
  INotebookList,
  INotebookListQuery,
  INotebookParameters,
  IProjectRef,
  IProjectSummary,
  IServerInfo
} from './tokens';
import { defaultLocale } from './i18n';
import { RunEvents } from './run-events';
import { RunDrafts } from './run-drafts';
import { ExecutionWatcher } from './watcher';

/**
 * The tabs of a notebook's page in the panel.
 */
export type DetailTab = 'run' | 'settings' | 'history';

/**
 * Settings of the panel (from the Settings Editor).
 */
export interface IPanelSettings {
  defaultTenantId: string;
  defaultProjectId: string;
  pageSize: number;
  pollInterval: number;
  generateReport: boolean;
}

export const DEFAULT_SETTINGS: IPanelSettings = {
  defaultTenantId: '',
  defaultProjectId: '',
  pageSize: 20,
  pollInterval: 400,
  generateReport: true
};

/**
 * A value that is loaded from the server: its data, whether a load runs, and why it failed.
 */
export interface ILoadable<T> {
  data: T | null;
  loading: boolean;
  error: unknown;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True for a GUID (8-4-4-4-12 hex digits).
 */
export function isGuid(text: string): boolean {
  return GUID.test(text.trim());
}

/**
 * Two references to the same project?
 */
export function sameProject(
  a: IProjectRef | null | undefined,
  b: IProjectRef | null | undefined
): boolean {
  return (
    !!a &&
    !!b &&
    a.tenantId.toLowerCase() === b.tenantId.toLowerCase() &&
    a.projectId.toLowerCase() === b.projectId.toLowerCase()
  );
}

export class MindzieModel {
  constructor(options: MindzieModel.IOptions) {
    this.service = options.service;
    this._state = options.state ?? null;
    this.trans = options.trans ?? defaultLocale.trans;
    this.events = options.events ?? null;
    this.drafts = new RunDrafts(this._state);
  }

  /**
   * The server's execution events the watchers follow runs by (null: waiting requests).
   */
  readonly events: RunEvents | null;

  /**
   * What the analyst typed into each notebook's run form.
   */
  readonly drafts: RunDrafts;

  readonly service: IMindzieService;

  /**
   * Our strings in JupyterLab's language, for every widget that shows this model.
   */
  readonly trans: TranslationBundle;

  /**
   * Emitted whenever anything the panel shows changes.
   */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  /**
   * Emitted when an execution watched here ends.
   */
  get executionFinished(): ISignal<this, ExecutionWatcher> {
    return this._executionFinished;
  }

  /**
   * Emitted when a run is started from the panel's run form (or "Run with mindzie").
   */
  get runStarted(): ISignal<this, MindzieModel.IRunStarted> {
    return this._runStarted;
  }

  /**
   * A run this user just started: watch it and tell whoever listens (notifications).
   */
  started(run: MindzieModel.IRunStarted): ExecutionWatcher {
    const watcher = this.watch(run.project, run.notebookId, run.executionId);
    this._runStarted.emit(run);
    return watcher;
  }

  get settings(): IPanelSettings {
    return this._settings;
  }

  get info(): ILoadable<IServerInfo> {
    return this._info;
  }

  /**
   * Reachable projects: the server's, those added in this browser, and the settings' default.
   */
  get projects(): ILoadable<IProjectSummary[]> {
    return this._projects;
  }

  get project(): IProjectRef | null {
    return this._project;
  }

  get notebooks(): ILoadable<INotebookList> {
    return this._notebooks;
  }

  get query(): INotebookListQuery {
    return this._query;
  }

  get datasets(): ILoadable<IDataset[]> {
    return this._datasets;
  }

  get notebookId(): string | null {
    return this._notebookId;
  }

  /**
   * The selected notebook's object.
   */
  get notebook(): ILoadable<INotebook> {
    return this._notebook;
  }

  get parameters(): ILoadable<INotebookParameters> {
    return this._parameters;
  }

  get history(): ILoadable<IExecutionSummary[]> {
    return this._history;
  }

  /**
   * How many runs the selected notebook has, as its history counted them (null before).
   */
  get historyTotal(): number | null {
    return this._history.data ? this._historyTotal : null;
  }

  get detailTab(): DetailTab {
    return this._detailTab;
  }

  /**
   * Load everything: info, projects, and the chosen project's lists.
   */
  async refresh(): Promise<void> {
    this._ensureRestored();
    await this._restored;
    await Promise.all([this._loadInfo(), this._loadProjects()]);
    await this._chooseProject();
    await Promise.all([
      this.refreshNotebooks(),
      this.refreshDatasets(),
      this._notebookId ? this.reloadNotebook() : Promise.resolve()
    ]);
  }

  /**
   * Apply new settings; a changed default project is switched to.
   */
  updateSettings(settings: Partial<IPanelSettings>): void {
    const before = this._settings;
    this._settings = { ...before, ...settings };
    const changedDefault =
      before.defaultTenantId !== this._settings.defaultTenantId ||
      before.defaultProjectId !== this._settings.defaultProjectId;
    if (this._settings.pageSize !== before.pageSize) {
      this._query = {
        ...this._query,
        pageSize: this._settings.pageSize,
        page: 1
      };
    }
    this._changed.emit();
    const fallback = this._defaultProject();
    if (changedDefault && this._loaded && fallback) {
      this._mergeKnown(fallback);
      void this.selectProject(fallback);
    } else if (this._loaded && this._settings.pageSize !== before.pageSize) {
      void this.refreshNotebooks();
    }
  }

  // -- project ------------------------------------------------------------------------------

  /**
   * Switch to a project; it is remembered for the next session.
   */
  async selectProject(project: IProjectRef | null): Promise<void> {
    if (project) {
      project = {
        tenantId: project.tenantId.toLowerCase(),
        projectId: project.projectId.toLowerCase()
      };
    }
    const same = sameProject(project, this._project);
    this._project = project;
    if (!same) {
      this._notebookId = null;
      this._notebook = Private.empty();
      this._parameters = Private.empty();
      this._history = Private.empty();
      this._notebooks = Private.empty();
      this._datasets = Private.empty();
      this._query = { page: 1, pageSize: this._settings.pageSize };
    }
    this._changed.emit();
    void this._save();
    if (project) {
      await Promise.all([this.refreshNotebooks(), this.refreshDatasets()]);
    }
  }

  /**
   * Add a project (e.g. a new, empty one) to the picker and switch to it.
   */
  async addProject(project: IProjectRef): Promise<void> {
    this._mergeKnown(project);
    this._known = [
      ...this._known.filter(p => !sameProject(p, project)),
      {
        tenantId: project.tenantId.toLowerCase(),
        projectId: project.projectId.toLowerCase()
      }
    ];
    await Promise.all([this.selectProject(project), this._loadProjects()]);
  }

  /**
   * Reload the project list (counts change as notebooks and datasets come and go).
   */
  async refreshProjects(): Promise<void> {
    await this._loadProjects();
  }

  // -- notebooks ----------------------------------------------------------------------------

  /**
   * Change filters or page of the notebook list and reload it.
   */
  async setQuery(query: INotebookListQuery): Promise<void> {
    this._query = { ...this._query, ...query };
    this._changed.emit();
    await this.refreshNotebooks();
  }

  async refreshNotebooks(): Promise<void> {
    const project = this._project;
    if (!project) {
      return;
    }
    const call = ++this._calls.notebooks;
    this._notebooks = { ...this._notebooks, loading: true };
    this._changed.emit();
    try {
      const list = await this.service.listNotebooks(project, {
        ...this._query,
        pageSize: this._query.pageSize ?? this._settings.pageSize
      });
      if (
        call !== this._calls.notebooks ||
        !sameProject(project, this._project)
      ) {
        return;
      }
      // A page emptied by deletions: step back to the last page that has rows.
      if (!list.notebooks.length && list.page > 1 && list.totalCount > 0) {
        this._query = {
          ...this._query,
          page: Math.max(1, Math.ceil(list.totalCount / list.pageSize))
        };
        return this.refreshNotebooks();
      }
      this._notebooks = { data: list, loading: false, error: null };
    } catch (error) {
      if (call !== this._calls.notebooks) {
        return;
      }
      this._notebooks = { ...this._notebooks, loading: false, error };
    }
    this._changed.emit();
    this._scheduleListRefresh();
  }

  /**
   * Show a notebook's page (null: back to the list).
   */
  async selectNotebook(
    notebookId: string | null,
    tab?: DetailTab
  ): Promise<void> {
    const changed = notebookId !== this._notebookId;
    this._notebookId = notebookId;
    if (tab) {
      this._detailTab = tab;
    }
    if (changed) {
      this._notebook = Private.empty();
      this._parameters = Private.empty();
      this._history = Private.empty();
    }
    this._changed.emit();
    if (notebookId) {
      await this.reloadNotebook();
    } else {
      await this.refreshNotebooks();
    }
  }

  setDetailTab(tab: DetailTab): void {
    this._detailTab = tab;
    this._changed.emit();
    if (tab === 'history') {
      void this.refreshHistory();
    }
  }

  /**
   * Reload the selected notebook, its parameters and its history.
   */
  async reloadNotebook(): Promise<void> {
    const project = this._project;
    const notebookId = this._notebookId;
    if (!project || !notebookId) {
      return;
    }
    const call = ++this._calls.notebook;
    this._notebook = { ...this._notebook, loading: true };
    this._parameters = { ...this._parameters, loading: true };
    this._changed.emit();
    const stale = () =>
      call !== this._calls.notebook || notebookId !== this._notebookId;
    const [notebook, parameters] = await Promise.allSettled([
      this.service.getNotebook(project, notebookId, { includeContent: true }),
      this.service.getParameters(project, notebookId)
    ]);
    if (stale()) {
      return;
    }
    this._notebook =
      notebook.status === 'fulfilled'
        ? { data: notebook.value, loading: false, error: null }
        : { data: null, loading: false, error: notebook.reason };
    this._parameters =
      parameters.status === 'fulfilled'
        ? { data: parameters.value, loading: false, error: null }
        : { data: null, loading: false, error: parameters.reason };
    this._changed.emit();
    await this.refreshHistory();
  }

  /**
   * Take a notebook object the server just sent (after an update).
   */
  setNotebook(notebook: INotebook): void {
    if (notebook.notebookId !== this._notebookId) {
      return;
    }
    this._notebook = { data: notebook, loading: false, error: null };
    this._changed.emit();
  }

  async refreshHistory(): Promise<void> {
    const project = this._project;
    const notebookId = this._notebookId;
    if (!project || !notebookId) {
      return;
    }
    const call = ++this._calls.history;
    this._history = { ...this._history, loading: true };
    this._changed.emit();
    try {
      const list = await this.service.listExecutions(project, notebookId, {
        pageSize: 50
      });
      if (call !== this._calls.history || notebookId !== this._notebookId) {
        return;
      }
      this._history = { data: list.executions, loading: false, error: null };
      this._historyTotal = list.totalCount;
      // Follow the runs that are still going, so their rows update live.
      for (const row of list.executions) {
        if (row.status === 'Running') {
          this.watch(project, notebookId, row.executionId);
        }
      }
    } catch (error) {
      if (call !== this._calls.history) {
        return;
      }
      this._history = { ...this._history, loading: false, error };
    }
    this._changed.emit();
  }

  // -- datasets -----------------------------------------------------------------------------

  async refreshDatasets(): Promise<void> {
    const project = this._project;
    if (!project) {
      return;
    }
    const call = ++this._calls.datasets;
    this._datasets = { ...this._datasets, loading: true };
    this._changed.emit();
    try {
      // The picker needs them all; projects rarely hold more than a few pages.
      const all: IDataset[] = [];
      for (let page = 1; page <= 10; page++) {
        const list = await this.service.listDatasets(project, {
          page,
          pageSize: 100
        });
        all.push(...list.datasets);
        if (!list.hasNextPage) {
          break;
        }
      }
      if (
        call !== this._calls.datasets ||
        !sameProject(project, this._project)
      ) {
        return;
      }
      this._datasets = { data: all, loading: false, error: null };
    } catch (error) {
      if (call !== this._calls.datasets) {
        return;
      }
      this._datasets = { ...this._datasets, loading: false, error };
    }
    this._changed.emit();
  }

  // -- executions ---------------------------------------------------------------------------

  /**
   * The watcher of an execution, started on first use and shared by every view.
   */
  watch(
    project: IProjectRef,
    notebookId: string,
    executionId: string,
    initial?: IExecution
  ): ExecutionWatcher {
    let watcher = this._watchers.get(executionId);
    if (!watcher) {
      watcher = new ExecutionWatcher({
        service: this.service,
        project,
        notebookId,
        executionId,
        events: this.events,
        minInterval: this._settings.pollInterval,
        maxInterval: Math.max(4000, this._settings.pollInterval * 8)
      });
      this._watchers.set(executionId, watcher);
      watcher.changed.connect(this._onWatcherChanged, this);
      watcher.finished.connect(this._onWatcherFinished, this);
      if (initial) {
        watcher.update(initial);
      }
      watcher.start();
    }
    return watcher;
  }

  /**
   * The watcher of an execution, if one was started.
   */
  watcher(executionId: string): ExecutionWatcher | undefined {
    return this._watchers.get(executionId);
  }

  dispose(): void {
    window.clearTimeout(this._listTimer);
    for (const watcher of this._watchers.values()) {
      watcher.dispose();
    }
    this._watchers.clear();
    Signal.clearData(this);
  }

  // -- private ------------------------------------------------------------------------------

  private _onWatcherChanged(watcher: ExecutionWatcher): void {
    if (watcher.notebookId === this._notebookId) {
      this._changed.emit();
    }
  }

  private _onWatcherFinished(watcher: ExecutionWatcher): void {
    this._executionFinished.emit(watcher);
    if (!sameProject(watcher.project, this._project)) {
      return;
    }
    // The notebook's status and history change when a run ends.
    void this.refreshNotebooks();
    if (watcher.notebookId === this._notebookId) {
      void this.reloadNotebook();
    }
  }

  /**
   * While a listed notebook runs, reload the list now and then so its badge follows.
   */
  private _scheduleListRefresh(): void {
    window.clearTimeout(this._listTimer);
    const running = this._notebooks.data?.notebooks.some(
      n => n.status === 'Running'
    );
    if (running) {
      this._listTimer = window.setTimeout(() => {
        void this.refreshNotebooks();
      }, 3000);
    }
  }

  private async _loadInfo(): Promise<void> {
    this._info = { ...this._info, loading: true };
    this._changed.emit();
    try {
      this._info = {
        data: await this.service.info(),
        loading: false,
        error: null
      };
    } catch (error) {
      this._info = { ...this._info, loading: false, error };
    }
    this._changed.emit();
  }

  private async _loadProjects(): Promise<void> {
    const call = ++this._calls.projects;
    this._projects = { ...this._projects, loading: true };
    this._changed.emit();
    try {
      const list = await this.service.listProjects();
      if (call !== this._calls.projects) {
        return;
      }
      const merged: IProjectSummary[] = list.projects.map(p => ({
        ...p,
        tenantId: p.tenantId.toLowerCase(),
        projectId: p.projectId.toLowerCase()
      }));
      const reachable = (p: IProjectRef) =>
        list.tenants === '*' ||
        list.tenants
          .map(t => t.toLowerCase())
          .includes(p.tenantId.toLowerCase());
      const extra = [...this._known, this._defaultProject(), this._project];
      for (const candidate of extra) {
        if (
          candidate &&
          reachable(candidate) &&
          !merged.some(p => sameProject(p, candidate))
        ) {
          merged.push({
            tenantName: null,
            projectName: null,
            ...candidate,
            notebookCount: 0,
            datasetCount: 0
          });
        }
      }
      this._projects = { data: merged, loading: false, error: null };
      this._tenants = list.tenants;
    } catch (error) {
      if (call !== this._calls.projects) {
        return;
      }
      this._projects = { ...this._projects, loading: false, error };
    }
    this._changed.emit();
  }

  /**
   * Tenants the user may reach, as the server said ('*' for any).
   */
  get tenants(): string[] | '*' {
    return this._tenants;
  }

  /**
   * The remembered project if still reachable, else the settings' default, else the only one.
   */
  private async _chooseProject(): Promise<void> {
    this._loaded = true;
    const projects = this._projects.data ?? [];
    const has = (p: IProjectRef | null) =>
      !!p && projects.some(q => sameProject(p, q));
    let choice: IProjectRef | null = null;
    if (has(this._project)) {
      choice = this._project;
    } else if (has(this._remembered)) {
      choice = this._remembered;
    } else if (has(this._defaultProject())) {
      choice = this._defaultProject();
    } else if (projects.length === 1) {
      choice = projects[0];
    }
    if (!sameProject(choice, this._project)) {
      this._project = choice
        ? { tenantId: choice.tenantId, projectId: choice.projectId }
        : null;
      this._notebookId = null;
      this._notebooks = Private.empty();
      this._datasets = Private.empty();
      this._changed.emit();
      void this._save();
    }
  }

  private _defaultProject(): IProjectRef | null {
    const { defaultTenantId, defaultProjectId } = this._settings;
    if (isGuid(defaultTenantId) && isGuid(defaultProjectId)) {
      return {
        tenantId: defaultTenantId.toLowerCase(),
        projectId: defaultProjectId.toLowerCase()
      };
    }
    return null;
  }

  private _mergeKnown(project: IProjectRef): void {
    const list = this._projects.data ?? [];
    if (!list.some(p => sameProject(p, project))) {
      this._projects = {
        ...this._projects,
        data: [
          ...list,
          {
            tenantId: project.tenantId.toLowerCase(),
            projectId: project.projectId.toLowerCase(),
            tenantName: null,
            projectName: null,
            notebookCount: 0,
            datasetCount: 0
          }
        ]
      };
    }
  }

  private _ensureRestored(): void {
    if (this._restored) {
      return;
    }
    this._restored = this._restore();
  }

  private async _restore(): Promise<void> {
    if (!this._state) {
      return;
    }
    try {
      const saved = (await this._state.fetch(Private.STATE_KEY)) as
        Private.ISavedState | undefined;
      if (
        saved?.project &&
        isGuid(saved.project.tenantId) &&
        isGuid(saved.project.projectId)
      ) {
        this._remembered = saved.project;
      }
      if (Array.isArray(saved?.known)) {
        this._known = saved!.known.filter(
          p => p && isGuid(p.tenantId) && isGuid(p.projectId)
        );
      }
    } catch (error) {
      console.warn(
        'jupyter-mindzie: could not read the saved panel state.',
        error
      );
    }
  }

  private async _save(): Promise<void> {
    if (!this._state) {
      return;
    }
    const state: Private.ISavedState = {
      project: this._project
        ? {
            tenantId: this._project.tenantId,
            projectId: this._project.projectId
          }
        : null,
      known: this._known.slice(-20)
    };
    try {
      await this._state.save(
        Private.STATE_KEY,
        state as unknown as ReadonlyJSONObject
      );
    } catch (error) {
      console.warn('jupyter-mindzie: could not save the panel state.', error);
    }
  }

  private _state: IStateDB | null;
  private _restored: Promise<void> | null = null;
  private _remembered: IProjectRef | null = null;
  private _known: IProjectRef[] = [];
  private _loaded = false;
  private _settings: IPanelSettings = { ...DEFAULT_SETTINGS };
  private _info: ILoadable<IServerInfo> = Private.empty();
  private _projects: ILoadable<IProjectSummary[]> = Private.empty();
  private _tenants: string[] | '*' = '*';
  private _project: IProjectRef | null = null;
  private _notebooks: ILoadable<INotebookList> = Private.empty();
  private _query: INotebookListQuery = { page: 1 };
  private _datasets: ILoadable<IDataset[]> = Private.empty();
  private _notebookId: string | null = null;
  private _notebook: ILoadable<INotebook> = Private.empty();
  private _parameters: ILoadable<INotebookParameters> = Private.empty();
  private _history: ILoadable<IExecutionSummary[]> = Private.empty();
  private _historyTotal = 0;
  private _detailTab: DetailTab = 'run';
  private _watchers = new Map<string, ExecutionWatcher>();
  private _listTimer = 0;
  private _calls = {
    projects: 0,
    notebooks: 0,
    datasets: 0,
    notebook: 0,
    history: 0
  };
  private _changed = new Signal<this, void>(this);
  private _executionFinished = new Signal<this, ExecutionWatcher>(this);
  private _runStarted = new Signal<this, MindzieModel.IRunStarted>(this);
}

export namespace MindzieModel {
  export interface IOptions {
    service: IMindzieService;
    /**
     * Where the last chosen project is remembered.
     */
    state?: IStateDB | null;
    /**
     * Our strings (`translator.load('jupyter_mindzie')`); English without it.
     */
    trans?: TranslationBundle;
    /**
     * The server's execution events (`serviceManager.events`); without them runs are
     * followed by waiting requests.
     */
    events?: RunEvents | null;
  }

  /**
   * A run started by this user.
   */
  export interface IRunStarted {
    project: IProjectRef;
    notebookId: string;
    executionId: string;
    notebookName: string;
  }
}

namespace Private {
  export const STATE_KEY = 'jupyter-mindzie:panel';

  export interface ISavedState {
    project: IProjectRef | null;
    known: IProjectRef[];
  }

  export function empty<T>(): ILoadable<T> {
    return { data: null, loading: false, error: null };
  }
}
