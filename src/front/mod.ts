export type { FrontHandler, FrontOptions, FrontStats } from "./front_link.ts";
export { HttpFront } from "./http_front.ts";
export { frontMetrics } from "./front_metrics.ts";
