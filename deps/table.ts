/** The one import point for tables. */
export { default as Table } from "cli-table3";
