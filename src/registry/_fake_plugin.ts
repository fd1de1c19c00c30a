/**
 * A scripted in-process plugin for registry tests: each lifecycle call can succeed, fail or
 * hang, and every call is recorded. Private to this folder's tests.
 */
import type {
  DomainPlugin,
  HealthStatus,
  HttpRouter,
  Metadata,
  PausablePlugin,
  ServiceRegistry,
  WebSocketHandler,
} from "../plugin/mod.ts";

/** How a scripted call behaves: resolve, throw this message, or never settle. */
export type Script = "ok" | "hang" | { fail: string } | ((signal?: AbortSignal) => Promise<void>);

export interface FakeOptions {
  version?: string;
  qntxVersion?: string;
  initialize?: Script;
  shutdown?: Script;
  pause?: Script;
  resume?: Script;
  health?: (signal?: AbortSignal) => Promise<HealthStatus>;
  /** Shared log of every call, as `<name>.<method>`, to check ordering across plugins. */
  calls?: string[];
}

export interface FakePlugin extends DomainPlugin {
  readonly calls: string[];
  /** Signals the plugin was given, by method, to check that deadlines abort them. */
  readonly signals: Map<string, AbortSignal | undefined>;
}

const HEALTHY: HealthStatus = { healthy: true, paused: false, message: "ok", details: {} };

function perform(script: Script, signal?: AbortSignal): Promise<void> {
  if (script === "ok") return Promise.resolve();
  if (script === "hang") return new Promise(() => {});
  if (typeof script === "function") return script(signal);
  return Promise.reject(new Error(script.fail));
}

/** A plugin without pause and resume. */
export function fakePlugin(name: string, options: FakeOptions = {}): FakePlugin {
  const calls = options.calls ?? [];
  const signals = new Map<string, AbortSignal | undefined>();
  const record = (method: string, signal?: AbortSignal) => {
    calls.push(`${name}.${method}`);
    signals.set(method, signal);
  };
  const metadata: Metadata = {
    name,
    version: options.version ?? "1.0.0",
    qntxVersion: options.qntxVersion ?? "",
    description: `fake ${name}`,
    author: "tests",
    license: "MIT",
  };
  return {
    calls,
    signals,
    metadata: () => metadata,
    initialize(_services: ServiceRegistry, signal?: AbortSignal) {
      record("initialize", signal);
      return perform(options.initialize ?? "ok", signal);
    },
    shutdown(signal?: AbortSignal) {
      record("shutdown", signal);
      return perform(options.shutdown ?? "ok", signal);
    },
    registerHttp(_router: HttpRouter) {},
    registerWebSocket: () => new Map<string, WebSocketHandler>(),
    health(signal?: AbortSignal) {
      record("health", signal);
      return options.health ? options.health(signal) : Promise.resolve(HEALTHY);
    },
  };
}

/** A plugin with pause and resume. */
export function fakePausablePlugin(
  name: string,
  options: FakeOptions = {},
): FakePlugin & PausablePlugin {
  const plugin = fakePlugin(name, options);
  return Object.assign(plugin, {
    pause(signal?: AbortSignal) {
      plugin.calls.push(`${name}.pause`);
      return perform(options.pause ?? "ok", signal);
    },
    resume(signal?: AbortSignal) {
      plugin.calls.push(`${name}.resume`);
      return perform(options.resume ?? "ok", signal);
    },
  });
}

/** Services for tests that never touch them: any use is a test bug and throws. */
export const NO_SERVICES: ServiceRegistry = new Proxy({} as ServiceRegistry, {
  get(_target, property) {
    return () => {
      throw new Error(`test plugin used services.${String(property)}`);
    };
  },
});
