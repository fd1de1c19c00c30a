import * as grpc from "@grpc/grpc-js";
import { join, relative } from "node:path";
import type { ConfigSchema } from "../plugin/mod.ts";
import {
  CAPABILITIES,
  CHANNEL_OPTIONS,
  domain,
  grpcTarget,
  isUnimplemented,
  type PluginAddress,
} from "../protocol/mod.ts";
import { confine } from "./confine.ts";
import { containPaths } from "./contained_paths.ts";
import { DataClient } from "./data_client.ts";
import { freePort } from "./free_port.ts";
import type { FoundPlugin } from "./discovery.ts";
import { PermanentFailure, PluginConnection } from "./plugin_connection.ts";
import { launchCommand, pluginDenoCache, programArgs } from "./launch_command.ts";
import {
  type LaunchFolder,
  type LaunchSlot,
  makeLaunchFolder,
  removeLaunchFolder,
  slotName,
} from "./launch_folder.ts";
import type { LogBuffer } from "./log_buffer.ts";
import { MANIFEST_FILE, readManifest } from "./manifest.ts";
import { type DeniedAccess, PermissionAudit } from "./permission_audit.ts";
import { askMessage, type HostAddress, pendingAsks } from "./permission_request.ts";
import { PluginProcess } from "./plugin_process.ts";
import { unhealableStart } from "./start_failure.ts";
import { toConfigSchema } from "./wire_metadata.ts";
import type { Grants } from "./sandbox.ts";
import type { ServedServices, ServiceOwners, SupervisorContext } from "./supervisor_context.ts";

/**
 * Starts a process of `found` and checks who answers: its Metadata must carry the expected
 * name. Fetches its configuration schema and issues its token. A process that fails any step
 * is stopped before the error is thrown.
 */
export async function launchInstance(
  found: FoundPlugin,
  context: SupervisorContext,
  generation: number,
  logs: LogBuffer,
  onDenied: (access: DeniedAccess) => void,
  slot: LaunchSlot = 0,
): Promise<PluginConnection> {
  const folder = await makeLaunchFolder(context.runtimeDir, found.name, slot);
  const auditFile = join(context.runtimeDir, `${slotName(found.name, slot)}.audit.jsonl`);
  await Deno.remove(auditFile).catch(() => {});
  const dataDir = join(context.dataDir, found.name);
  await Deno.mkdir(dataDir, { recursive: true });
  const denoCache = found.kind === "deno"
    ? pluginDenoCache(context.runtimeDir, found.name)
    : undefined;
  if (denoCache) await Deno.mkdir(denoCache, { recursive: true, mode: 0o700 });
  const sdkBundle = found.kind === "deno" ? await context.sdkBundle?.() : undefined;
  let services: ServedServices | undefined;
  try {
    // The host's services for this launch alone: its token is good there only. A QNTX program
    // dials `host:port` (QNTX's plugins split the endpoint on ":"), so it gets a loopback port.
    // What may throw is asked first: once the services serve, only the catch below closes them.
    const granted = context.grants(found.name);
    const host = context.hostAddress?.() ?? { hostname: "127.0.0.1", port: 8877 };
    const serving = context.serveServices?.(
      found.kind === "qntx-executable" ? { tcp: true } : { socket: folder.hostSocket },
      launchOwners(context, found.name, generation, onDenied),
      (detail) => onDenied({ at: Date.now(), permission: "service", value: detail }),
    );
    const containing = containFound(found, dataDir, granted, host);
    // Both at once (a few ms each before every spawn); the services are closed below when
    // either fails.
    const [served, contain] = await Promise.allSettled([serving, containing]);
    if (served.status === "fulfilled") services = served.value;
    else throw served.reason;
    if (contain.status === "rejected") throw contain.reason;
    const contained = contain.value;
    const extra = found.kind === "qntx-executable"
      ? programArgs(found.name, context.pluginConfig(found.name).args)
      : { ok: true as const, args: [] };
    if (!extra.ok) throw new PermanentFailure(extra.problem);
    const command = launchCommand(contained.found, {
      execPath: context.execPath,
      denoConfig: context.denoConfig,
      paths: {
        pluginDir: contained.found.dir,
        dataDir: contained.dataDir,
        socket: folder.socket,
        dataSocket: folder.dataSocket,
        hostSockets: services?.socket ? [services.socket] : [],
      },
      tcpPort: found.kind === "qntx-executable" ? freePort() : 0,
      programArgs: extra.args,
      grants: contained.grants,
      hostEnv: context.hostEnv,
      auditFile,
      denoCache,
      sdkBundle,
    });
    if (!command.ok) throw new PermanentFailure(command.refused.join("; "));
    const grants = contained.grants;
    const wrapped = await confine(
      {
        found: contained.found,
        dataDir: contained.dataDir,
        folder,
        auditFile,
        trusted: grants.trusted,
        tools: context.tools ?? {},
        execPath: context.execPath,
        denoConfig: context.denoConfig,
        hostEnv: context.hostEnv,
        denoCache,
        sdkBundle: sdkBundle?.dir,
        read: grants.read,
        write: [...contained.manifestWrite, ...grants.write],
      },
      command.command,
      command.args,
    );
    if (!wrapped.ok) throw new PermanentFailure(wrapped.refused);
    // Saved once its start time is read, off the event loop, while the process starts (not
    // between its ready line and its first call); before any of its calls ends.
    let recorded: Promise<void> = Promise.resolve();
    let spawned: number | undefined;
    const process = await PluginProcess.launch({
      name: found.name,
      command: wrapped.command,
      args: wrapped.args,
      env: command.env,
      cwd: contained.found.dir,
      address: command.address,
      startTimeoutMs: context.timeouts.start,
      confined: wrapped.confined,
      setsid: context.tools?.setsid,
      onSpawn: (pid) => {
        spawned = pid;
        // A ledger that cannot be saved (a full disk) costs this launch nothing but the record.
        recorded = context.ledger.add(found.name, pid).catch((error) =>
          context.logger.warn(`plugin "${found.name}": its process could not be recorded`, {
            plugin: found.name,
            pid,
            error,
          })
        );
      },
    }, logs).catch((error) => {
      // It was killed and waited for: nothing of it is left to record.
      if (spawned !== undefined) context.ledger.remove(spawned);
      // A syntax error or a missing module: no restart cures it, so none is tried.
      const cause = unhealableStart(error);
      throw cause
        ? new PermanentFailure(`it cannot start until its code is fixed: ${cause}`)
        : error;
    });
    const foreign = foreignSocket(process.address, folder, found.name);
    if (foreign) {
      // Nothing is said to what listens there: the process is stopped before any call.
      process.signal("SIGKILL");
      await process.closeStdin();
      await process.exited;
      context.ledger.remove(process.pid);
      throw new PermanentFailure(foreign);
    }
    const instance = new PluginConnection({
      name: found.name,
      generation,
      process,
      folder,
      services,
      // A plugin on its data channel alone (an SDK plugin here) is never spoken to over gRPC.
      client: process.address.kind === "channel" ? undefined : new domain.DomainPluginServiceClient(
        grpcTarget(process.address),
        grpc.credentials.createInsecure(),
        CHANNEL_OPTIONS,
      ),
    }, domain.MetadataResponse.fromPartial({}));
    if (command.granted) {
      instance.audit = new PermissionAudit(auditFile, command.granted, onDenied);
    }
    try {
      await checkInstance(instance, found, context);
    } catch (error) {
      await instance.terminate(context.timeouts, context.logger);
      instance.client?.close();
      context.ledger.remove(process.pid);
      throw error;
    }
    await recorded;
    instance.token = context.tokens.issue({
      plugin: found.name,
      version: instance.metadata.version,
      generation,
    });
    return instance;
  } catch (error) {
    await services?.close();
    await removeLaunchFolder(folder);
    throw error;
  }
}

/**
 * The plugin as it is launched: its folders and the operator's paths resolved (no link leads
 * out of what it is granted), or a {@link PermanentFailure} naming each link that would.
 */
async function containFound(
  found: FoundPlugin,
  dataDir: string,
  grants: Grants,
  host: HostAddress,
): Promise<{ found: FoundPlugin; dataDir: string; grants: Grants; manifestWrite: string[] }> {
  if (found.kind !== "qntx-executable") {
    // Read again at every launch: what is granted is what the manifest on disk asks now.
    const current = await readManifest(join(found.dir, MANIFEST_FILE)).catch((error) => {
      throw new PermanentFailure((error as Error).message);
    });
    found = { ...found, manifest: current.manifest, manifestSha256: current.sha256 };
  }
  const paths = await containPaths(
    found.name,
    { pluginDir: found.dir, dataDir },
    found.kind === "qntx-executable" ? [] : found.manifest.permissions.write,
    grants,
    // A QNTX program lies directly in a search path: that folder is other plugins' too, and
    // only its confinement (a read-only view of it) is what the program is given.
    found.kind !== "qntx-executable",
  );
  if (!paths.ok) throw new PermanentFailure(paths.problems.join("; "));
  if (found.kind !== "qntx-executable") {
    const { manifest, manifestSha256 } = found;
    const asks = pendingAsks(
      found.name,
      manifest.permissions,
      manifest.memory_mb,
      grants,
      manifestSha256,
      host,
    );
    const { run, ffi, sys, all } = manifest.permissions;
    // Asking to leave the sandbox needs trust, which grants the rest: that refusal comes first.
    const escapes = !grants.trusted && (all || [run, ffi, sys].some((asked) => asked.length > 0));
    if (!escapes && (asks.pending.length > 0 || asks.byNameOnly.length > 0)) {
      throw new PermanentFailure(askMessage(found.name, asks, manifestSha256));
    }
  }
  const moved = (file: string) => join(paths.pluginDir, relative(found.dir, file));
  const resolved: FoundPlugin = found.kind === "deno"
    ? { ...found, dir: paths.pluginDir, entry: moved(found.entry) }
    : { ...found, dir: paths.pluginDir, executable: moved(found.executable) };
  return {
    found: resolved,
    dataDir: paths.dataDir,
    grants: { ...grants, read: paths.read, write: paths.write },
    manifestWrite: paths.manifestWrite,
  };
}

/**
 * Why an announced address is refused: only the sockets the host made for this launch are
 * spoken to; a plugin that names another (a sibling's) would make the host call a process that
 * is not the one it started.
 */
function foreignSocket(
  address: PluginAddress,
  folder: LaunchFolder,
  name: string,
): string | undefined {
  if (address.kind === "tcp") return undefined;
  const given = address.kind === "channel" ? folder.dataSocket : folder.socket;
  if (address.path === given) return undefined;
  return `the process started for plugin "${name}" announced the socket ${address.path}, ` +
    `not the one the host gave it (${given})`;
}

/** Who answers must be the plugin expected; then its schema and its data channel. */
async function checkInstance(
  instance: PluginConnection,
  found: FoundPlugin,
  context: SupervisorContext,
): Promise<void> {
  const { address } = instance.process;
  if (address.kind === "channel") {
    instance.data = await DataClient.connect(found.name, address.path);
  }
  // Both asked at once: one round trip of a start, not two. The schema is read only once the
  // name is checked (and a failed ask for it is judged by the metadata's capabilities).
  const metadata = instance.call("metadata", {}, context.timeouts.call);
  const schema = instance.call("configSchema", {}, context.timeouts.call).then(
    (response) => ({ response }),
    (error: unknown) => ({ error }),
  );
  instance.metadata = await metadata;
  if (instance.metadata.name !== found.name) {
    throw new PermanentFailure(
      `the process started for plugin "${found.name}" says its name is "${instance.metadata.name}"`,
    );
  }
  instance.schema = schemaOf(instance, await schema);
  if (!instance.data && instance.offers(CAPABILITIES.dataChannel)) {
    instance.data = await DataClient.connect(found.name, instance.folder.dataSocket).catch(
      (error) => {
        context.logger.warn(
          `plugin "${found.name}" offers a data channel the host cannot open; using gRPC`,
          { plugin: found.name, error },
        );
        return undefined;
      },
    );
  }
}

/**
 * The tokens one launch's service socket accepts: its own. A token of another plugin (or of an
 * earlier launch) shown there is refused like a forged one, and recorded: it can only have
 * been stolen.
 */
function launchOwners(
  context: SupervisorContext,
  name: string,
  generation: number,
  onDenied: (access: DeniedAccess) => void,
): ServiceOwners {
  return {
    owner(token) {
      const owner = context.tokens.owner(token);
      if (!owner) return undefined;
      if (owner.plugin === name && owner.generation === generation) return owner;
      const value = `showed the token of plugin "${owner.plugin}" (launch ${owner.generation}) ` +
        `on the service socket of plugin "${name}" (launch ${generation})`;
      context.logger.warn(`plugin "${name}" ${value}; refused`, { plugin: name });
      onDenied({ at: Date.now(), permission: "token", value });
      return undefined;
    },
  };
}

/** The schema a launch answered with; a plugin that does not declare it may lack the RPC. */
function schemaOf(
  instance: PluginConnection,
  answer: { response: domain.ConfigSchemaResponse } | { error: unknown },
): ConfigSchema {
  if ("response" in answer) return toConfigSchema(answer.response);
  const declared = instance.offers(CAPABILITIES.configSchema);
  if (isUnimplemented(answer.error) && !declared) return {};
  throw answer.error;
}
