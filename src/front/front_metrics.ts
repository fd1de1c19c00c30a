import type { FrontStats } from "./front_link.ts";

/** The front's figures in the Prometheus text format; nothing without a front. */
export function frontMetrics(stats: FrontStats | undefined): string {
  if (!stats) return "";
  return [
    "# HELP qntx_front_open_connections Client connections the front holds open.",
    "# TYPE qntx_front_open_connections gauge",
    `qntx_front_open_connections ${stats.open}`,
    "# HELP qntx_front_refused_total Connections the front refused or closed, by cause.",
    "# TYPE qntx_front_refused_total counter",
    `qntx_front_refused_total{cause="header_timeout"} ${stats.headerTimeouts}`,
    `qntx_front_refused_total{cause="header_too_large"} ${stats.headersTooLarge}`,
    `qntx_front_refused_total{cause="idle"} ${stats.idleClosed}`,
    `qntx_front_refused_total{cause="per_client_cap"} ${stats.overQuota}`,
    `qntx_front_refused_total{cause="bad_request"} ${stats.badRequests}`,
    "# HELP qntx_front_at_capacity_total Times the front held [server] max_connections.",
    "# TYPE qntx_front_at_capacity_total counter",
    `qntx_front_at_capacity_total ${stats.atCapacity}`,
  ].join("\n") + "\n";
}
