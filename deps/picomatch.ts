/** The one import point for glob matching. */
export { default as picomatch } from "picomatch";
