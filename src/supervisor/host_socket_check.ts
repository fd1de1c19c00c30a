import type { Logger } from "../plugin/mod.ts";
import { socketIdentity } from "./launch_folder.ts";
import type { DeniedLog } from "./permission_audit.ts";
import { PermanentFailure, type PluginConnection } from "./plugin_connection.ts";

/**
 * Whether the host's service socket of a launch is still the one the host made. The plugin may
 * write its own sockets (Deno needs that to connect), so it could remove or replace this one:
 * that only cuts it off from the host's services, and the host stops it.
 */
export function hostSocketIntact(connection: PluginConnection): boolean {
  const socket = connection.services?.socket;
  if (!socket || connection.hostSocketId === undefined) return true;
  return socketIdentity(socket) === connection.hostSocketId;
}

/**
 * Stops a plugin that removed or replaced the host's service socket in its launch folder: it
 * could only hurt itself, but a plugin that tampers with the host's sockets is not restarted
 * until the operator says so. Recorded with its denied accesses; throws the reason.
 */
export function checkHostSocket(
  connection: PluginConnection,
  denied: DeniedLog,
  logger: Logger,
): void {
  if (hostSocketIntact(connection)) return;
  // Only a launch served on a socket gets here (hostSocketIntact).
  const socket = connection.services!.socket!;
  const reason = "removed or replaced the host's service socket in its launch folder " +
    `(${socket}); it is stopped and not restarted until an operator restarts or enables it`;
  denied.add({ at: Date.now(), permission: "socket", value: socket });
  if (!connection.permanent) {
    connection.permanent = true;
    connection.killedBecause = reason;
    logger.error(`plugin "${connection.name}" ${reason}`, {
      plugin: connection.name,
      pid: connection.process.pid,
    });
    connection.process.signal("SIGKILL");
  }
  throw new PermanentFailure(reason);
}
