export { type FrontHandler, type FrontOptions, type FrontStats, HttpFront } from "./http_front.ts";
export { frontMetrics } from "./front_metrics.ts";
