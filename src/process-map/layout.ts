/**
 * The process map's layout: Graphviz `dot`, compiled to WebAssembly (@viz-js/viz) and
 * bundled with the extension, so laying out a map fetches nothing.
 */
import type { Viz } from '@viz-js/viz';

/**
 * A box to lay out: an activity, or a virtual start or end (drawn as a small circle).
 */
export interface ILayoutNode {
  label: string;
  virtual?: 'start' | 'end';
}

/**
 * An arrow between two nodes, by their index in the node list.
 */
export interface ILayoutEdge {
  source: number;
  target: number;
  label: string;
  /**
   * Line width in points; heavier edges also pull their ends closer.
   */
  width: number;
}

/**
 * The drawn graph: the SVG, and its node and edge groups in the order given.
 */
export interface ILayout {
  svg: SVGSVGElement;
  nodes: SVGGElement[];
  edges: SVGGElement[];
}

let vizInstance: Promise<Viz> | null = null;

/**
 * The Graphviz instance, loaded once and on first use (the WebAssembly build is large, so
 * it is its own chunk of the extension, not part of Lab's start-up).
 */
function viz(): Promise<Viz> {
  if (!vizInstance) {
    vizInstance = import('@viz-js/viz').then(module => module.instance());
    vizInstance.catch(() => {
      vizInstance = null; // let a later map try again
    });
  }
  return vizInstance;
}

let layoutCount = 0;

/**
 * Lay the graph out top to bottom and return it as SVG elements to decorate.
 */
export async function layoutGraph(
  nodes: ILayoutNode[],
  edges: ILayoutEdge[]
): Promise<ILayout> {
  const graphviz = await viz();
  // Ids only find the groups again below; they are removed before the SVG is shown, so
  // several maps on one page never share one.
  const prefix = `mzpm${++layoutCount}-`;
  const svg = graphviz.renderSVGElement(toDot(nodes, edges, prefix));
  const find = (id: string): SVGGElement => {
    const group = svg.querySelector<SVGGElement>(`g[id="${id}"]`);
    if (!group) {
      throw new Error(`Graphviz drew no element ${id}`);
    }
    group.removeAttribute('id');
    // Graphviz's <title> would show the browser's own tooltip over ours.
    group.querySelector('title')?.remove();
    return group;
  };
  const drawn = {
    svg,
    nodes: nodes.map((_, index) => find(`${prefix}n${index}`)),
    edges: edges.map((_, index) => find(`${prefix}e${index}`))
  };
  svg.querySelector('g.graph > title')?.remove();
  return drawn;
}

/**
 * The graph in DOT. Colours are left to the stylesheet (theme variables), so only sizes and
 * texts are given here.
 */
export function toDot(
  nodes: ILayoutNode[],
  edges: ILayoutEdge[],
  prefix = ''
): string {
  const lines = [
    'digraph processMap {',
    '  graph [rankdir=TB, nodesep=0.3, ranksep=0.4, bgcolor="transparent", pad=0.1];',
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11, margin="0.2,0.06", height=0.4];',
    '  edge [fontname="Helvetica", fontsize=10, arrowsize=0.7];'
  ];
  nodes.forEach((node, index) => {
    const attributes: string[] = [`id=${quote(`${prefix}n${index}`)}`];
    if (node.virtual) {
      attributes.push(
        'shape=circle',
        'width=0.28',
        'fixedsize=true',
        'label=""',
        `xlabel=${quote(node.label)}`,
        `group=${node.virtual}`
      );
    } else {
      attributes.push(`label=${quote(node.label)}`);
    }
    lines.push(`  n${index} [${attributes.join(', ')}];`);
  });
  for (const node of ['start', 'end'] as const) {
    const index = nodes.findIndex(candidate => candidate.virtual === node);
    if (index >= 0) {
      lines.push(
        `  { rank=${node === 'start' ? 'source' : 'sink'}; n${index}; }`
      );
    }
  }
  edges.forEach((edge, index) => {
    const attributes = [
      `id=${quote(`${prefix}e${index}`)}`,
      `label=${quote(edge.label)}`,
      `penwidth=${edge.width.toFixed(2)}`,
      `weight=${Math.max(1, Math.round(edge.width * 2))}`
    ];
    lines.push(
      `  n${edge.source} -> n${edge.target} [${attributes.join(', ')}];`
    );
  });
  lines.push('}');
  return lines.join('\n');
}

/**
 * A DOT string literal. Backslashes are escaped too: Graphviz reads `\N`, `\G` or `\l`
 * in a label as its own escapes.
 */
function quote(text: string): string {
  return `"${text
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\r?\n/g, '\\n')}"`;
}
