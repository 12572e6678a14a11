/** The one import point for the YAML parser (npm:yaml; @std/yaml is not reachable here). */
export { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, YAMLParseError } from "yaml";
export type { Document, Node as YamlNode, Pair, YAMLMap, YAMLSeq } from "yaml";
