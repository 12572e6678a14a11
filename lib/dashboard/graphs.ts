/**
 * The drawings of dataflows for the dashboard: the same graph, layout and SVG as
 * `dora graph --html`, with room on each edge for its live rate. A dataflow's graph can change
 * while it runs (hot reload swaps the descriptor), so each drawing has a key the page compares.
 */
import type { Dataflow } from "../descriptor/types.ts";
import { layoutGraph } from "../graph/layout.ts";
import { graphKey, graphOf } from "../graph/model.ts";
import { renderSvg } from "../graph/svg.ts";

/** Drawings kept (a few per dataflow at most; old ones are dropped first). */
const KEEP = 32;

/** What the page gets for one dataflow. */
export interface Drawing {
  key: string;
  svg: string;
  /** Per edge (`<node>/<input>`): where its messages come from, for the inputs table. */
  sources: Record<string, string>;
}

/** Keys and drawings, computed once per descriptor. */
export class GraphCache {
  #keys = new WeakMap<Dataflow, string>();
  #drawings = new Map<string, Drawing>();

  /** The key of the graph of `dataflow` (cheap after the first call). */
  key(dataflow: Dataflow): string {
    let key = this.#keys.get(dataflow);
    if (key === undefined) {
      key = graphKey(graphOf(dataflow.nodes));
      this.#keys.set(dataflow, key);
    }
    return key;
  }

  /** The drawing of `dataflow`. */
  drawing(dataflow: Dataflow): Drawing {
    const key = this.key(dataflow);
    const known = this.#drawings.get(key);
    if (known) return known;
    const graph = graphOf(dataflow.nodes);
    const drawing: Drawing = {
      key,
      svg: renderSvg(graph, layoutGraph(graph, { liveLabels: true })),
      sources: Object.fromEntries(
        graph.edges.map((e) => [e.key, e.output === null ? e.from : `${e.from}/${e.output}`]),
      ),
    };
    this.#drawings.set(key, drawing);
    while (this.#drawings.size > KEEP) this.#drawings.delete(this.#drawings.keys().next().value!);
    return drawing;
  }
}
