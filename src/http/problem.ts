import { PluginCallError } from "../plugin/mod.ts";
import { problemJson } from "../protocol/mod.ts";
import { RegistryError, type RegistryErrorCode } from "../registry/mod.ts";
import { JobError } from "../jobs/mod.ts";
import { HttpError } from "./http_error.ts";

const REGISTRY_STATUS: Record<RegistryErrorCode, number> = {
  not_found: 404,
  conflict: 409,
  invalid: 400,
  incompatible: 409,
  unsupported: 409,
  failed: 502,
};

/** Why a call into a plugin failed, as the status its client gets. */
const CALL_FAILURE_STATUS: Record<PluginCallError["failure"], number> = {
  unreachable: 502,
  timeout: 504,
  cancelled: 499,
  draining: 503,
  invalid: 502,
};

/** A thrown value as an HTTP status, a detail an operator can read, and extra members. */
export function describeFailure(error: unknown): {
  status: number;
  detail: string;
  extra: Record<string, unknown>;
  headers: HeadersInit;
} {
  if (error instanceof HttpError) {
    return {
      status: error.status,
      detail: error.message,
      extra: error.extra,
      headers: error.headers,
    };
  }
  if (error instanceof RegistryError) {
    return { status: REGISTRY_STATUS[error.code], detail: error.message, extra: {}, headers: {} };
  }
  if (error instanceof PluginCallError) {
    const status = CALL_FAILURE_STATUS[error.failure];
    const headers: HeadersInit = status === 503 ? { "retry-after": "1" } : {};
    return { status, detail: error.message, extra: {}, headers };
  }
  if (error instanceof JobError) {
    const status = { invalid: 400, missing: 404, conflict: 409 }[error.kind];
    return { status, detail: error.message, extra: {}, headers: {} };
  }
  // Anything else is a host bug: say so without leaking internals into the answer.
  return {
    status: 500,
    detail: "the host failed to handle this request; its log has the cause",
    extra: {},
    headers: {},
  };
}

/** The one place where errors become responses: RFC 9457 problem details. */
export function problemResponse(error: unknown, instance: string): Response {
  const { status, detail, extra, headers } = describeFailure(error);
  return problemJson(status, detail, extra, { headers, instance });
}
