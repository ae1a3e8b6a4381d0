/**
 * The process map's data: reading the kernel's JSON, and the two filters process-mining
 * tools put on sliders (the share of activities and the share of paths shown).
 */
import type {
  IProcessMap,
  IProcessMapEdge,
  IProcessMapNode
} from '../api-types';

/**
 * The MIME type `show_process_map` displays (schema/api/process-map.json).
 */
export const PROCESS_MAP_MIME = 'application/vnd.mindzie.process-map+json';

/**
 * The shape versions this renderer draws.
 */
const KNOWN_VERSIONS = [1];

/**
 * An edge end that is no activity: the map's virtual start or end.
 */
export type VirtualEnd = 'start' | 'end';

/**
 * What the sliders ask for: shares in [0, 1].
 */
export interface IMapFilter {
  /**
   * The share of activities shown, the most frequent first.
   */
  activities: number;
  /**
   * The share of paths shown between them, the most frequent first.
   */
  paths: number;
}

/**
 * The part of a map that is shown, with what was left out.
 */
export interface IFilteredMap {
  nodes: IProcessMapNode[];
  edges: IProcessMapEdge[];
  /**
   * The virtual start and end ids, when a shown edge uses them.
   */
  startNode: string | null;
  endNode: string | null;
  totalActivities: number;
  totalPaths: number;
}

/**
 * A map read from a MIME bundle, with virtual start and end edges made from the nodes'
 * start and end counts when the map has none of its own.
 */
export interface IProcessMapData extends IProcessMap {
  startNode: string;
  endNode: string;
}

/**
 * Thrown when the bundle is not a process map this renderer can draw.
 */
export class ProcessMapError extends Error {}

/**
 * Check the bundle's JSON and complete it, so drawing never meets a missing field.
 */
export function readProcessMap(data: unknown): IProcessMapData {
  if (!isObject(data)) {
    throw new ProcessMapError('the process map is not a JSON object');
  }
  if (!KNOWN_VERSIONS.includes(data.version as number)) {
    throw new ProcessMapError(
      `process map version ${JSON.stringify(data.version)} is not supported`
    );
  }
  if (!Array.isArray(data.nodes) || !Array.isArray(data.edges)) {
    throw new ProcessMapError(
      'the process map needs "nodes" and "edges" lists'
    );
  }
  const virtualIds = [data.startNode, data.endNode];
  const nodes: IProcessMapNode[] = data.nodes.map((node, index) => {
    if (!isObject(node) || typeof node.id !== 'string' || !node.id) {
      throw new ProcessMapError(`nodes[${index}] has no "id"`);
    }
    return {
      id: node.id,
      label: typeof node.label === 'string' ? node.label : node.id,
      frequency: count(node.frequency),
      caseFrequency: count(node.caseFrequency),
      start: count(node.start),
      end: count(node.end)
    };
  });
  // Virtual nodes are not activities, even when a producer lists them among the nodes.
  const activities = nodes.filter(node => !virtualIds.includes(node.id));
  const ids = new Set(activities.map(node => node.id));
  const startNode = stringOr(data.startNode, freshId('__start__', ids));
  const endNode = stringOr(data.endNode, freshId('__end__', ids));
  const known = new Set([...ids, startNode, endNode]);
  const edges: IProcessMapEdge[] = data.edges.map((edge, index) => {
    if (
      !isObject(edge) ||
      typeof edge.source !== 'string' ||
      typeof edge.target !== 'string'
    ) {
      throw new ProcessMapError(`edges[${index}] needs "source" and "target"`);
    }
    for (const end of [edge.source, edge.target]) {
      if (!known.has(end)) {
        throw new ProcessMapError(
          `edges[${index}] names ${JSON.stringify(end)}, which is no node`
        );
      }
    }
    const waiting = isObject(edge.waiting)
      ? {
          mean: seconds(edge.waiting.mean),
          median: seconds(edge.waiting.median),
          p90: seconds(edge.waiting.p90)
        }
      : null;
    return {
      source: edge.source,
      target: edge.target,
      frequency: count(edge.frequency),
      caseFrequency: count(edge.caseFrequency),
      waiting
    };
  });
  const virtual = edges.some(
    edge =>
      edge.source === startNode ||
      edge.target === startNode ||
      edge.source === endNode ||
      edge.target === endNode
  );
  if (!virtual) {
    // No virtual edges of its own: draw where cases start and end from the nodes' counts.
    for (const node of activities) {
      if (node.start > 0) {
        edges.push(virtualEdge(startNode, node.id, node.start));
      }
      if (node.end > 0) {
        edges.push(virtualEdge(node.id, endNode, node.end));
      }
    }
  }
  return {
    version: 1,
    nodes: activities,
    edges,
    cases: count(data.cases),
    events: count(data.events),
    startNode,
    endNode
  };
}

/**
 * The activities and paths the sliders leave, as Disco or Celonis filter a map: the most
 * frequent activities, then the most frequent paths between them, and still at least the
 * strongest way into and out of every activity shown, so none floats unconnected.
 */
export function filterMap(
  map: IProcessMapData,
  filter: IMapFilter
): IFilteredMap {
  const ranked = [...map.nodes].sort(
    (a, b) => b.frequency - a.frequency || a.label.localeCompare(b.label)
  );
  const keepCount = Math.max(
    Math.min(1, ranked.length),
    Math.ceil(clamp(filter.activities) * ranked.length - 1e-9)
  );
  const nodes = ranked.slice(0, keepCount);
  const kept = new Set(nodes.map(node => node.id));
  kept.add(map.startNode);
  kept.add(map.endNode);

  const candidates = map.edges
    .filter(edge => kept.has(edge.source) && kept.has(edge.target))
    .sort((a, b) => b.frequency - a.frequency);
  const shown = new Set(
    candidates.slice(0, Math.round(clamp(filter.paths) * candidates.length))
  );
  for (const node of nodes) {
    const incoming = candidates.find(edge => edge.target === node.id);
    const outgoing = candidates.find(edge => edge.source === node.id);
    for (const edge of [incoming, outgoing]) {
      if (edge) {
        shown.add(edge);
      }
    }
  }
  // In ranking order, so the layout does not depend on the order of the clicks.
  const edges = candidates.filter(edge => shown.has(edge));
  const uses = (id: string) =>
    edges.some(edge => edge.source === id || edge.target === id);
  return {
    nodes: nodes.sort((a, b) => map.nodes.indexOf(a) - map.nodes.indexOf(b)),
    edges,
    startNode: uses(map.startNode) ? map.startNode : null,
    endNode: uses(map.endNode) ? map.endNode : null,
    totalActivities: map.nodes.length,
    totalPaths: map.edges.length
  };
}

/**
 * Which virtual end an id is, if any.
 */
export function virtualEnd(
  map: IProcessMapData,
  id: string
): VirtualEnd | null {
  if (id === map.startNode) {
    return 'start';
  }
  return id === map.endNode ? 'end' : null;
}

function virtualEdge(
  source: string,
  target: string,
  cases: number
): IProcessMapEdge {
  return { source, target, frequency: cases, caseFrequency: cases };
}

function freshId(base: string, taken: Set<string>): string {
  let id = base;
  while (taken.has(id)) {
    id = `_${id}`;
  }
  return id;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value ? value : fallback;
}

function count(value: unknown): number {
  return typeof value === 'number' && isFinite(value) && value > 0
    ? Math.round(value)
    : 0;
}

function seconds(value: unknown): number {
  return typeof value === 'number' && isFinite(value) && value > 0 ? value : 0;
}

function clamp(share: number): number {
  return isFinite(share) ? Math.min(1, Math.max(0, share)) : 1;
}
