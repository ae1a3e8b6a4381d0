/**
 * The interactive process map: a rendermime renderer with frequency and performance views,
 * sliders for the share of activities and paths, and details on hover.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import type { IProcessMapEdge, IProcessMapNode } from '../api-types';
import { ILayoutEdge, ILayoutNode, layoutGraph } from './layout';
import { ProcessMapLabels, processMapLabels } from './labels';
import {
  IFilteredMap,
  IMapFilter,
  IProcessMapData,
  PROCESS_MAP_MIME,
  filterMap,
  readProcessMap,
  virtualEnd
} from './model';

/**
 * Frequency shows counts and thickness; performance shows waiting times and colour.
 */
export type MapView = 'frequency' | 'performance';

/**
 * The value each view can show.
 */
export type MapMetric = 'absolute' | 'case' | 'mean' | 'median' | 'p90';

const METRICS: Record<MapView, MapMetric[]> = {
  frequency: ['absolute', 'case'],
  performance: ['mean', 'median', 'p90']
};

const CLASS = 'jp-mindzie-ProcessMap';

/**
 * Renders `application/vnd.mindzie.process-map+json`.
 */
export class ProcessMapView extends Widget implements IRenderMime.IRenderer {
  constructor(options: IRenderMime.IRendererOptions) {
    super();
    this._mimeType = options.mimeType;
    const translator = options.translator ?? nullTranslator;
    this._labels = processMapLabels(translator.load('jupyter_mindzie'));
    this.addClass(CLASS);
    this.node.setAttribute('role', 'figure');
    this.node.setAttribute('aria-label', this._labels.mapLabel);
    this._controls = this._buildControls();
    this._canvas = element('div', `${CLASS}-canvas`);
    this._summary = element('div', `${CLASS}-summary`);
    this._tooltip = element('div', `${CLASS}-tooltip`);
    this._tooltip.setAttribute('role', 'tooltip');
    this._tooltip.hidden = true;
    this.node.append(
      this._controls,
      this._canvas,
      this._summary,
      this._tooltip
    );
  }

  /**
   * Draw the map of the model; the view and the sliders stay as the user left them.
   */
  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    try {
      this._map = readProcessMap(model.data[this._mimeType]);
    } catch (reason) {
      this._map = null;
      this._showError(reason);
      return;
    }
    this._summary.textContent = this._labels.summary(
      this._map.cases,
      this._map.events
    );
    await this._draw();
  }

  /**
   * Lay out and decorate what the filter leaves; a newer draw supersedes one in flight.
   */
  private async _draw(): Promise<void> {
    const map = this._map;
    if (!map) {
      return;
    }
    const ticket = ++this._drawCount;
    const shown = filterMap(map, this._filter);
    this._updateSliders(shown);
    if (!this._canvas.firstChild) {
      this._canvas.textContent = this._labels.loading;
    }
    const nodes: Array<IProcessMapNode | 'start' | 'end'> = [
      ...(shown.startNode ? ['start' as const] : []),
      ...shown.nodes,
      ...(shown.endNode ? ['end' as const] : [])
    ];
    const index = new Map<string, number>();
    nodes.forEach((node, i) => {
      const id =
        node === 'start'
          ? map.startNode
          : node === 'end'
            ? map.endNode
            : node.id;
      index.set(id, i);
    });
    const edgeValues = shown.edges.map(edge => this._edgeValue(edge));
    const maxEdge = Math.max(0, ...edgeValues.map(value => value ?? 0));
    const layoutNodes: ILayoutNode[] = nodes.map(node =>
      typeof node === 'string'
        ? { label: this._labels[node], virtual: node }
        : { label: this._nodeLabel(node) }
    );
    const layoutEdges: ILayoutEdge[] = shown.edges.map((edge, i) => ({
      source: index.get(edge.source)!,
      target: index.get(edge.target)!,
      label: this._edgeLabel(edgeValues[i]),
      width: 1 + 5 * ratio(edgeValues[i], maxEdge)
    }));
    let layout;
    try {
      layout = await layoutGraph(layoutNodes, layoutEdges);
    } catch (reason) {
      if (ticket === this._drawCount) {
        this._showError(reason);
      }
      return;
    }
    if (ticket !== this._drawCount) {
      return;
    }
    const maxNode = Math.max(0, ...shown.nodes.map(n => this._nodeValue(n)));
    layout.nodes.forEach((group, i) => {
      const node = nodes[i];
      group.classList.add(`${CLASS}-node`);
      if (typeof node === 'string') {
        group.classList.add(`${CLASS}-${node}`);
        this._hover(group, () => this._virtualDetails(node, shown));
      } else {
        group.dataset.activity = node.label;
        setIntensity(group, ratio(this._nodeValue(node), maxNode));
        this._hover(group, () => this._nodeDetails(node));
      }
    });
    layout.edges.forEach((group, i) => {
      const edge = shown.edges[i];
      group.classList.add(`${CLASS}-edge`);
      group.classList.toggle(`${CLASS}-mod-virtual`, !edge.waiting);
      group.dataset.source = edge.source;
      group.dataset.target = edge.target;
      setIntensity(group, ratio(edgeValues[i], maxEdge));
      this._hover(group, () => this._edgeDetails(edge));
    });
    const width = layout.svg.getAttribute('width');
    layout.svg.removeAttribute('width');
    layout.svg.removeAttribute('height');
    if (width) {
      layout.svg.style.maxWidth = width; // never drawn larger than Graphviz laid it out
    }
    layout.svg.classList.add(`${CLASS}-graph`);
    this._hideTooltip();
    // Set with the new drawing, so the old one is never coloured for the other view.
    this.node.dataset.view = this._view;
    this._canvas.replaceChildren(layout.svg);
  }

  private _nodeValue(node: IProcessMapNode): number {
    return this._metric === 'case' ? node.caseFrequency : node.frequency;
  }

  /**
   * What an edge shows in the current view; null for a waiting time it does not have.
   */
  private _edgeValue(edge: IProcessMapEdge): number | null {
    switch (this._metric) {
      case 'absolute':
        return edge.frequency;
      case 'case':
        return edge.caseFrequency;
      default:
        return edge.waiting ? edge.waiting[this._metric] : null;
    }
  }

  private _nodeLabel(node: IProcessMapNode): string {
    if (this._view === 'performance') {
      return node.label;
    }
    return `${node.label}\n${this._labels.count(this._nodeValue(node))}`;
  }

  private _edgeLabel(value: number | null): string {
    if (value === null) {
      return '';
    }
    return this._view === 'performance'
      ? this._labels.duration(value)
      : this._labels.count(value);
  }

  private _nodeDetails(node: IProcessMapNode): Array<[string, string]> {
    const l = this._labels;
    const cases = this._map?.cases ?? 0;
    return [
      [node.label, ''],
      [l.events, l.count(node.frequency)],
      [l.cases, l.ofCases(node.caseFrequency, cases)],
      [l.startsHere, l.count(node.start)],
      [l.endsHere, l.count(node.end)]
    ];
  }

  private _edgeDetails(edge: IProcessMapEdge): Array<[string, string]> {
    const l = this._labels;
    const rows: Array<[string, string]> = [
      [l.arrow(this._nameOf(edge.source), this._nameOf(edge.target)), ''],
      [l.transitions, l.count(edge.frequency)],
      [l.cases, l.ofCases(edge.caseFrequency, this._map?.cases ?? 0)]
    ];
    if (edge.waiting) {
      rows.push(
        [l.waitingMean, l.duration(edge.waiting.mean)],
        [l.waitingMedian, l.duration(edge.waiting.median)],
        [l.waitingP90, l.duration(edge.waiting.p90)]
      );
    }
    return rows;
  }

  private _virtualDetails(
    end: 'start' | 'end',
    shown: IFilteredMap
  ): Array<[string, string]> {
    const id = end === 'start' ? shown.startNode : shown.endNode;
    const edges = shown.edges.filter(edge =>
      end === 'start' ? edge.source === id : edge.target === id
    );
    const cases = edges.reduce((sum, edge) => sum + edge.frequency, 0);
    return [
      [this._labels[end], ''],
      [this._labels.cases, this._labels.ofCases(cases, this._map?.cases ?? 0)]
    ];
  }

  private _nameOf(id: string): string {
    const map = this._map!;
    const end = virtualEnd(map, id);
    if (end) {
      return this._labels[end];
    }
    return map.nodes.find(node => node.id === id)?.label ?? id;
  }

  /**
   * Show `details` beside the pointer while it is over `group`.
   */
  private _hover(
    group: SVGGElement,
    details: () => Array<[string, string]>
  ): void {
    group.addEventListener('mouseenter', () => {
      group.classList.add('jp-mod-hover');
      const rows = details();
      this._tooltip.replaceChildren(
        ...rows.map(([name, value], i) => {
          const row = element('div', `${CLASS}-tooltipRow`);
          if (i === 0) {
            row.classList.add(`${CLASS}-tooltipTitle`);
          }
          row.append(
            element('span', `${CLASS}-tooltipName`, name),
            element('span', `${CLASS}-tooltipValue`, value)
          );
          return row;
        })
      );
      this._tooltip.hidden = false;
    });
    group.addEventListener('mousemove', event => this._placeTooltip(event));
    group.addEventListener('mouseleave', () => {
      group.classList.remove('jp-mod-hover');
      this._hideTooltip();
    });
  }

  private _placeTooltip(event: MouseEvent): void {
    const box = this.node.getBoundingClientRect();
    const tip = this._tooltip;
    const x = event.clientX - box.left + 14;
    const y = event.clientY - box.top + 14;
    // Keep it inside the output: flip to the pointer's left near the right edge.
    const left =
      x + tip.offsetWidth > box.width
        ? Math.max(0, x - tip.offsetWidth - 28)
        : x;
    tip.style.left = `${left}px`;
    tip.style.top = `${y}px`;
  }

  private _hideTooltip(): void {
    this._tooltip.hidden = true;
  }

  private _showError(reason: unknown): void {
    const message = reason instanceof Error ? reason.message : String(reason);
    const box = element(
      'div',
      `${CLASS}-error`,
      this._labels.cannotShow(message)
    );
    this._canvas.replaceChildren(box);
    this._controls.hidden = true;
  }

  private _buildControls(): HTMLElement {
    const l = this._labels;
    const bar = element('div', `${CLASS}-controls`);
    const views = element('div', `${CLASS}-views`);
    views.setAttribute('role', 'group');
    for (const view of ['frequency', 'performance'] as const) {
      const button = element('button', `${CLASS}-viewButton`, l[view]);
      button.classList.add('jp-mod-styled');
      button.dataset.view = view;
      button.setAttribute('aria-pressed', String(view === this._view));
      button.addEventListener('click', () => this._setView(view));
      views.append(button);
    }
    this._metricSelect = element('select', `${CLASS}-metric`);
    this._metricSelect.classList.add('jp-mod-styled');
    this._metricSelect.setAttribute('aria-label', l.metric);
    this._metricSelect.addEventListener('change', () => {
      this._metric = this._metricSelect.value as MapMetric;
      void this._draw();
    });
    this._fillMetrics();
    bar.append(
      views,
      this._metricSelect,
      this._slider('activities', l.activities),
      this._slider('paths', l.paths)
    );
    return bar;
  }

  private _slider(key: keyof IMapFilter, name: string): HTMLElement {
    const label = element('label', `${CLASS}-slider`);
    label.dataset.filter = key;
    const input = element('input', `${CLASS}-sliderInput`);
    Object.assign(input, { type: 'range', min: '0', max: '100', step: '1' });
    input.value = String(this._filter[key] * 100);
    const value = element('span', `${CLASS}-sliderValue`);
    input.addEventListener('input', () => {
      this._filter = { ...this._filter, [key]: Number(input.value) / 100 };
      void this._draw();
    });
    this._sliderValues[key] = value;
    label.append(element('span', `${CLASS}-sliderName`, name), input, value);
    return label;
  }

  private _updateSliders(shown: IFilteredMap): void {
    const l = this._labels;
    this._sliderValues.activities!.textContent = l.sliderValue(
      this._filter.activities,
      shown.nodes.length,
      shown.totalActivities
    );
    this._sliderValues.paths!.textContent = l.sliderValue(
      this._filter.paths,
      shown.edges.length,
      shown.totalPaths
    );
  }

  private _setView(view: MapView): void {
    if (view === this._view) {
      return;
    }
    this._view = view;
    this._metric = METRICS[view][0];
    for (const button of this._controls.querySelectorAll<HTMLElement>(
      `.${CLASS}-viewButton`
    )) {
      button.setAttribute('aria-pressed', String(button.dataset.view === view));
    }
    this._fillMetrics();
    void this._draw();
  }

  private _fillMetrics(): void {
    this._metricSelect.replaceChildren(
      ...METRICS[this._view].map(metric => {
        const option = element(
          'option',
          '',
          this._labels[metric === 'case' ? 'caseFrequency' : metric]
        );
        option.value = metric;
        option.selected = metric === this._metric;
        return option;
      })
    );
  }

  private readonly _mimeType: string;
  private readonly _labels: ProcessMapLabels;
  private readonly _controls: HTMLElement;
  private readonly _canvas: HTMLElement;
  private readonly _summary: HTMLElement;
  private readonly _tooltip: HTMLElement;
  private _metricSelect!: HTMLSelectElement;
  private readonly _sliderValues: Partial<
    Record<keyof IMapFilter, HTMLElement>
  > = {};
  private _map: IProcessMapData | null = null;
  private _filter: IMapFilter = { activities: 1, paths: 1 };
  private _view: MapView = 'frequency';
  private _metric: MapMetric = 'absolute';
  private _drawCount = 0;
}

/**
 * The rendermime factory of the process map; safe, since it runs no code of the output and
 * Graphviz escapes every label.
 */
export const processMapRendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [PROCESS_MAP_MIME],
  // Ahead of the bundle's own SVG and PNG (rank 90), which stay for nbconvert and GitHub.
  defaultRank: 40,
  createRenderer: options => new ProcessMapView(options)
};

/**
 * How strongly a node or edge is coloured, read by the stylesheet (0 % to 100 %).
 */
function setIntensity(group: SVGGElement, share: number): void {
  group.style.setProperty(
    '--jp-mindzie-ProcessMap-intensity',
    `${Math.round(share * 100)}%`
  );
}

function ratio(value: number | null, max: number): number {
  return value !== null && max > 0 ? value / max : 0;
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text?: string
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}
