import { ErrorCode } from "./frames.ts";

/** gRPC status codes (the numbers gRPC gives them) this client produces or reads. */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/**
 * A call that ended without an answer: the server's status and message, or the client's own
 * reason (deadline, cancel, connection lost) under the code gRPC gives it. Shaped as grpc-js's
 * `ServiceError` (`code`, `details`), so callers read both alike.
 */
export class GrpcCallError extends Error {
  override name = "GrpcCallError";

  /**
   * `unsent`: the server never processed the call (it was refused, or above a GOAWAY's last
   * stream, or waited on a connection that went away), so it may be sent again.
   */
  constructor(readonly code: number, readonly details: string, readonly unsent = false) {
    super(`${code} ${statusName(code)}: ${details}`);
  }
}

function statusName(code: number): string {
  for (const [name, value] of Object.entries(GrpcStatus)) if (value === code) return name;
  return "STATUS";
}

/**
 * The status of a response whose HTTP status is not 200 (the gRPC spec's mapping for answers
 * from something that is not a gRPC server).
 */
export function statusOfHttp(status: number): number {
  switch (status) {
    case 400:
      return GrpcStatus.INTERNAL;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return GrpcStatus.UNAVAILABLE;
    default:
      return GrpcStatus.UNKNOWN;
  }
}

/** The status of a call the server reset with HTTP/2 error `code` (RST_STREAM). */
export function statusOfReset(code: number): number {
  // REFUSED_STREAM: not processed, so safe to try again; CANCEL: the server gave up.
  if (code === ErrorCode.REFUSED_STREAM) return GrpcStatus.UNAVAILABLE;
  return code === ErrorCode.CANCEL ? GrpcStatus.CANCELLED : GrpcStatus.INTERNAL;
}

/** `grpc-message` is percent-encoded (gRPC over HTTP/2); a bad escape is kept as sent. */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** `grpc-timeout` for `ms` milliseconds: at most eight digits, in the largest unit that fits. */
export function grpcTimeout(ms: number): string {
  const whole = Math.max(1, Math.ceil(ms));
  if (whole < 1e8) return `${whole}m`;
  const seconds = Math.ceil(whole / 1000);
  return seconds < 1e8 ? `${seconds}S` : `${Math.min(Math.ceil(seconds / 3600), 99999999)}H`;
}
