/** The program-stream channel of the host contract (shared/protocol/host.ts): chunk header, ack, binary frame. */
import { z } from 'zod';
import { OutputError } from './output';

/**
 * The program-stream channel (renderer → main): MediaRecorder chunks of one output session, in order.
 * Electron: `ipcRenderer.invoke(OUTPUT_STREAM_CHANNEL, header, bytes)`; web mode: one binary WebSocket frame per
 * chunk (`encodeOutputFrame`), acknowledged by the `output.chunkAck` notification. Either way main answers each
 * chunk with an `OutputChunkAck`; the renderer keeps at most `maxInFlightBytes` unacknowledged.
 */
export const OUTPUT_STREAM = {
  /** Largest chunk (a 250 ms timeslice at 8 Mbit/s is ~250 KB). */
  maxChunkBytes: 4 * 1024 * 1024,
  /** Unacknowledged bytes the renderer may have in flight before it waits. */
  maxInFlightBytes: 8 * 1024 * 1024,
  /** A session that receives nothing for this long is ended by main (the renderer is gone). */
  idleTimeoutMs: 15_000,
} as const;
export const OUTPUT_STREAM_CHANNEL = 'host-stream:output.chunk';
export const OutputSessionId = z.string().regex(/^[0-9a-f]{32}$/, 'invalid session id');
export const OutputChunkHeader = z.object({ sessionId: OutputSessionId, seq: z.number().int().nonnegative().max(0xffffffff) });
export type OutputChunkHeader = z.infer<typeof OutputChunkHeader>;
export const OutputChunkAck = z.object({
  sessionId: OutputSessionId,
  seq: z.number().int().nonnegative(),
  ok: z.boolean(),
  /** Set when !ok: the session is over (the renderer stops its MediaRecorder). */
  error: OutputError.nullable(),
});
export type OutputChunkAck = z.infer<typeof OutputChunkAck>;

const FRAME_MAGIC = [0x53, 0x43, 0x4f, 0x31]; // "SCO1"
const FRAME_HEADER_BYTES = 4 + 16 + 4;

/** Binary WebSocket frame of the program-stream channel: "SCO1" | session id (16 bytes) | seq (u32 BE) | chunk. */
export function encodeOutputFrame(header: OutputChunkHeader, chunk: Uint8Array): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_BYTES + chunk.byteLength);
  out.set(FRAME_MAGIC, 0);
  for (let i = 0; i < 16; i++) out[4 + i] = Number.parseInt(header.sessionId.slice(i * 2, i * 2 + 2), 16);
  new DataView(out.buffer).setUint32(20, header.seq);
  out.set(chunk, FRAME_HEADER_BYTES);
  return out;
}

export type DecodedOutputFrame = { ok: true; header: OutputChunkHeader; chunk: Uint8Array } | { ok: false; message: string };

export function decodeOutputFrame(frame: Uint8Array): DecodedOutputFrame {
  if (frame.byteLength < FRAME_HEADER_BYTES) return { ok: false, message: 'frame too short' };
  if (frame.byteLength > FRAME_HEADER_BYTES + OUTPUT_STREAM.maxChunkBytes) return { ok: false, message: 'chunk too large' };
  if (FRAME_MAGIC.some((b, i) => frame[i] !== b)) return { ok: false, message: 'not a program-stream frame' };
  let sessionId = '';
  for (let i = 0; i < 16; i++) sessionId += frame[4 + i]!.toString(16).padStart(2, '0');
  const seq = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(20);
  return { ok: true, header: { sessionId, seq }, chunk: frame.subarray(FRAME_HEADER_BYTES) };
}
