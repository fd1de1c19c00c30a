/** Codes that only describe a close and never go on the wire (RFC 6455, 7.4.1). */
const RESERVED_CODES = new Set([1004, 1005, 1006, 1015]);

/** An `on…` handler of a {@link PluginSocket}, or null for none. */
export type Listener<E extends Event> = ((event: E) => void) | null;

/**
 * How a socket talks to the stream under it (a `HandleWebSocket` stream or a data-channel
 * session); the session provides it.
 */
export interface SocketTransport {
  /** Sends one message, text or binary; false when the stream is backed up (send less). */
  send(message: string | ArrayBuffer | ArrayBufferView): boolean;
  /** Sends a CLOSE frame and ends the stream. */
  close(code: number, reason: string): void;
  /** Bytes sent but not yet taken by the host (it stops taking them for a slow client). */
  buffered(): number;
}

/**
 * A WebSocket as a plugin sees it, shaped like the browser's: `send` text or binary, `close`
 * with a code, and `open`/`message`/`close`/`error` events (or `on…` properties). Binary
 * messages arrive as `ArrayBuffer`.
 */
export class PluginSocket extends EventTarget {
  /** `readyState` before the connection opens; a plugin's socket is never in it. */
  static readonly CONNECTING = 0;
  /** `readyState` while messages can be sent. */
  static readonly OPEN = 1;
  /** `readyState` while `close` runs; it is `CLOSED` by the time `close` returns. */
  static readonly CLOSING = 2;
  /** `readyState` once the connection is closed. */
  static readonly CLOSED = 3;

  /** The connection's state: `OPEN`, `CLOSING` or `CLOSED`; a new socket is already open. */
  readyState: number = PluginSocket.OPEN;
  /** Binary messages arrive as `ArrayBuffer`; this cannot be changed. */
  readonly binaryType = "arraybuffer";

  /** Bytes queued for the client and not yet sent on; wait while it grows (the client is slow). */
  get bufferedAmount(): number {
    return this.transport.buffered();
  }
  /** Called with each message from the client, after the `message` event's listeners. */
  onmessage: Listener<MessageEvent> = null;
  /** Called once when the connection closes, after the `close` event's listeners. */
  onclose: Listener<CloseEvent> = null;
  /** Called when the stream under the socket fails, after the `error` event's listeners. */
  onerror: Listener<Event> = null;

  /** A socket whose `url` holds the path and query the client asked for; the SDK makes it. */
  constructor(readonly url: string, readonly transport: SocketTransport) {
    super();
  }

  /** Sends a message; returns false when the relay is backed up (wait, then send more). */
  send(message: string | ArrayBuffer | ArrayBufferView): boolean {
    if (this.readyState !== PluginSocket.OPEN) {
      throw new DOMException("the WebSocket is not open", "InvalidStateError");
    }
    return this.transport.send(message);
  }

  /**
   * Closes the connection with `code` (default 1000) and `reason`; does nothing once closing.
   * Throws `InvalidAccessError` for a code outside 1000 to 4999 or one reserved for reports
   * (1004, 1005, 1006, 1015).
   */
  close(code = 1000, reason = ""): void {
    if (this.readyState >= PluginSocket.CLOSING) return;
    if (!Number.isInteger(code) || code < 1000 || code > 4999 || RESERVED_CODES.has(code)) {
      throw new DOMException(`${code} is not a close code a peer may send`, "InvalidAccessError");
    }
    this.readyState = PluginSocket.CLOSING;
    this.transport.close(code, reason);
    this.closed(code, reason, true);
  }

  /** The session delivers a message from the client. */
  received(data: string | Uint8Array): void {
    if (this.readyState !== PluginSocket.OPEN) return;
    const payload = typeof data === "string"
      ? data
      : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    this.#emit(new MessageEvent("message", { data: payload }), this.onmessage);
  }

  /** The session reports the connection closed (by the client, or the stream ending). */
  closed(code: number, reason: string, wasClean: boolean): void {
    if (this.readyState === PluginSocket.CLOSED) return;
    this.readyState = PluginSocket.CLOSED;
    this.#emit(new CloseEvent("close", { code, reason, wasClean }), this.onclose);
  }

  /** The session reports a failure of the stream. */
  failed(message: string): void {
    this.#emit(new ErrorEvent("error", { message }), this.onerror);
  }

  #emit<E extends Event>(event: E, handler: Listener<E>): void {
    this.dispatchEvent(event);
    handler?.call(this, event);
  }
}
