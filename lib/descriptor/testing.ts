/** Test support: a resolved node with empty defaults, for tests that build dataflows in code. */
import type { NodeSpec } from "./types.ts";

/** A `NodeSpec` for node `id`: an executable `/bin/true` with nothing else, plus `fields`. */
export function testNode(id: string, fields: Partial<NodeSpec> = {}): NodeSpec {
  return {
    id,
    path: fields.program ?? "/bin/true",
    kind: "executable",
    program: "/bin/true",
    args: [],
    env: {},
    build: [],
    inputs: {},
    outputs: [],
    position: { line: 1, col: 1 },
    ...fields,
  };
}
