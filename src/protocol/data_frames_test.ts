import assert from "node:assert/strict";
import fc from "fast-check";
import {
  encodeFrame,
  END,
  FRAME_HEADER,
  FrameParser,
  FrameType,
  type FrameTypeValue,
  MAX_FRAME,
} from "./data_frames.ts";

interface Seen {
  stream: number;
  type: FrameTypeValue;
  flags: number;
  payload: Uint8Array;
}

/** Pushes `bytes` cut at `cuts`; returns the frames, their payloads copied. */
function parse(bytes: Uint8Array, cuts: number[]): Seen[] {
  const parser = new FrameParser();
  const seen: Seen[] = [];
  const onFrame = (stream: number, type: FrameTypeValue, flags: number, payload: Uint8Array) =>
    seen.push({ stream, type, flags, payload: payload.slice() });
  let from = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b).concat(bytes.byteLength)) {
    parser.push(bytes.subarray(from, Math.min(cut, bytes.byteLength)), onFrame);
    from = Math.min(cut, bytes.byteLength);
  }
  return seen;
}

const frame = fc.record({
  stream: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
  type: fc.constantFrom(...Object.values(FrameType)),
  flags: fc.constantFrom(0, END),
  // some payloads are larger than the parser's buffer, so it has to grow
  payload: fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.integer({ min: 0, max: 300_000 }).map((size) => new Uint8Array(size).fill(size % 251)),
  ),
}).map(({ stream, type, flags, payload }) => ({ stream, type, flags, payload }));

Deno.test("FrameParser gives back the frames however their bytes are cut", () => {
  fc.assert(
    fc.property(
      fc.array(frame, { maxLength: 8 }),
      fc.array(fc.nat(700_000), { maxLength: 12 }),
      (frames, cuts) => {
        const bytes = new Uint8Array(
          frames.flatMap((f) => [...encodeFrame(f.stream, f.type, f.flags, f.payload)]),
        );
        assert.deepEqual(parse(bytes, cuts), frames);
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("FrameParser refuses a frame over the limit and an unknown type", () => {
  const huge = new Uint8Array(FRAME_HEADER);
  new DataView(huge.buffer).setUint32(0, MAX_FRAME + 1);
  huge[8] = FrameType.DATA;
  assert.throws(() => parse(huge, []), /over the limit/);
  const unknown = encodeFrame(1, FrameType.DATA, 0, new Uint8Array(1));
  unknown[8] = 13;
  assert.throws(() => parse(unknown, []), /unknown data-channel frame type 13/);
});
