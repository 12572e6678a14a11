/** The one import point for the YAML parser (npm:yaml; @std/yaml is not reachable here). */
export {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  Pair,
  parseDocument,
  Scalar,
  stringify,
  YAMLMap,
  YAMLParseError,
} from "yaml";
export type { Document, Node as YamlNode, YAMLSeq } from "yaml";
