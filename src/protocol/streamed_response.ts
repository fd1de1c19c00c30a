import type * as domain from "./gen_messages/protocol/domain.ts";

/** A plugin's answer on the data channel: its head, and its body as it streams. */
export interface StreamedResponse {
  status: number;
  headers: domain.HTTPHeader[];
  /** The body as it streams; null when it came whole (`whole`) or there is none. */
  body: ReadableStream<Uint8Array> | null;
  /**
   * The whole body: a view of a block shared with other answers (the data client's body
   * copies), to be read or copied (as `Response` does), never transferred.
   */
  whole?: Uint8Array;
}
