import { PluginCallError, type PluginCallFailure } from "../plugin/mod.ts";
import {
  type CallMethodValue,
  CallStatus,
  CHANNEL_METHODS,
  type ChannelMethod,
  type ChannelRequest,
  type ChannelResponse,
  type ChannelRpc,
  END,
  FAILED,
  type FrameChannel,
  FrameType,
  type FrameTypeValue,
  StreamTable,
} from "../protocol/mod.ts";

interface PendingCall {
  /** Decodes the REPLY's bytes during the frame's callback (they are reused after it). */
  decode(bytes: Uint8Array): unknown;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** One unary call on the data channel. */
export interface ChannelCall<T> {
  method: CallMethodValue;
  /** The request's protobuf bytes. */
  request: Uint8Array;
  /** Reads the answer's bytes (a view, valid during the call only). */
  decode: (bytes: Uint8Array) => T;
  deadlineMs: number;
  /** Aborts the call (the plugin is told with CANCEL). */
  signal?: AbortSignal;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The host's unary calls on one plugin's data channel (its jobs, with capability `job_channel`,
 * and its control calls when it announced `QNTX_PLUGIN_CHANNEL=`): a CALL frame out, one REPLY
 * back. A call is abandoned, and the plugin told with CANCEL, when its deadline passes or its
 * caller's signal aborts (an operator cancelling the job). Calls are few next to HTTP requests,
 * so each has its own timer and listener.
 */
export class ChannelCalls {
  readonly #calls = new StreamTable<PendingCall>();

  constructor(readonly plugin: string, readonly channel: FrameChannel) {}

  has(id: number): boolean {
    return this.#calls.has(id);
  }

  /** Sends `call` as stream `id`; resolves with the answer. */
  start<T>(
    id: number,
    { method, request, decode, deadlineMs, signal }: ChannelCall<T>,
  ): Promise<T> {
    if (signal?.aborted) return Promise.reject(this.#gone());
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const call: PendingCall = {
      decode,
      resolve: resolve as (value: unknown) => void,
      reject,
      signal,
      timer: setTimeout(() => {
        this.#abandon(
          id,
          "deadline passed",
          callError(
            "timeout",
            CallStatus.DEADLINE_EXCEEDED,
            `plugin "${this.plugin}" did not answer in time`,
          ),
        );
      }, deadlineMs),
    };
    if (signal) {
      call.onAbort = () => this.#abandon(id, "the caller went away", this.#gone());
      signal.addEventListener("abort", call.onAbort, { once: true });
    }
    this.#calls.set(id, call);
    this.channel.sendWith(id, FrameType.CALL, END, (out) => {
      out.raw(method);
      out.append(request);
    });
    return promise;
  }

  /** A frame on one of the calls' streams. */
  receive(id: number, type: FrameTypeValue, flags: number, payload: Uint8Array): void {
    const call = this.#calls.get(id);
    if (!call) return;
    if (type === FrameType.REPLY) {
      this.#end(id, call);
      if (flags & FAILED) {
        const reason = decoder.decode(payload.subarray(1));
        call.reject(
          callError(
            "unreachable",
            payload[0] ?? CallStatus.UNKNOWN,
            `plugin "${this.plugin}" failed the call: ${reason}`,
            reason,
          ),
        );
        return;
      }
      try {
        call.resolve(call.decode(payload));
      } catch (error) {
        call.reject(
          new PluginCallError(
            "invalid",
            `plugin "${this.plugin}" answered a call with bad bytes: ${(error as Error).message}`,
          ),
        );
      }
    } else if (type === FrameType.CANCEL) {
      this.#end(id, call);
      call.reject(
        new PluginCallError(
          "unreachable",
          `plugin "${this.plugin}" abandoned the call: ${decoder.decode(payload)}`,
        ),
      );
    }
  }

  /** The channel is gone: every call fails with `reason`. */
  failAll(reason: Error): void {
    for (const [id, call] of this.#calls.entries()) {
      this.#end(id, call);
      call.reject(reason);
    }
  }

  #abandon(id: number, why: string, error: Error): void {
    const call = this.#calls.get(id);
    if (!call) return;
    this.#end(id, call);
    this.channel.send(id, FrameType.CANCEL, 0, encoder.encode(why));
    call.reject(error);
  }

  #end(id: number, call: PendingCall): void {
    this.#calls.delete(id);
    clearTimeout(call.timer);
    if (call.onAbort) call.signal?.removeEventListener("abort", call.onAbort);
  }

  #gone(): PluginCallError {
    return new PluginCallError("cancelled", `the caller of plugin "${this.plugin}" went away`);
  }
}

/** RPC `rpc` as a call on the data channel. */
export function channelCall<K extends ChannelRpc>(
  rpc: K,
  request: ChannelRequest<K>,
  deadlineMs: number,
  signal?: AbortSignal,
): ChannelCall<ChannelResponse<K>> {
  const method = CHANNEL_METHODS[rpc] as unknown as ChannelMethod<
    ChannelRequest<K>,
    ChannelResponse<K>
  >;
  return {
    method: method.id,
    request: method.request.encode(request).finish(),
    // Decoded `bytes` fields are views, and the frame's bytes are reused: decode a copy.
    decode: (bytes) => method.response.decode(bytes.slice()),
    deadlineMs,
    signal,
  };
}

/**
 * A failed call as callers of gRPC read one too: a {@link PluginCallError} that carries the
 * gRPC status `code` and `details`.
 */
export function callError(
  failure: PluginCallFailure,
  code: number,
  message: string,
  details = message,
): PluginCallError & { code: number; details: string } {
  return Object.assign(new PluginCallError(failure, message), { code, details });
}
