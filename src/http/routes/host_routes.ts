import type { HostRecord } from "../../store/mod.ts";
import { json } from "../json.ts";
import type { Router } from "../router.ts";

/**
 * `GET /api/hosts`: the hosts that share this host's database and are live (this one first),
 * each with its URL, version, last heartbeat and its plugins' states; alone, this host.
 */
export function hostRoutes(router: Router, hosts: () => Promise<HostRecord[]>): void {
  router.get("/api/hosts", async () => json({ hosts: await hosts() }));
}
