/** The one import point for graph layout (dagre: layered drawing of directed graphs). */
export { default as dagre } from "@dagrejs/dagre";
