/**
 * Per-SSRC RTP reception counters for the fan-out bench (pure: no I/O).
 *
 * Sequence numbers are extended to 32+ bits (wrap-aware), duplicates (e.g. a NACK-triggered retransmission of a
 * packet that had in fact arrived) are ignored, and a packet recovered through RTX counts as received — that is
 * what a real viewer experiences. Loss over a window = 1 − Δreceived / Δexpected, where expected is the span of
 * extended sequence numbers seen (highest − first + 1).
 */

/** How many recent sequence numbers are remembered to drop duplicates (must be a power of two). */
const HISTORY = 4096;

export interface RtpCounterSnapshot {
  /** Unique packets received. */
  received: number;
  /** Packets expected from the sequence-number span seen so far (0 before the first packet). */
  expected: number;
  /** Unique packets with the RTP marker bit set (for video: frames). */
  markers: number;
  /** Payload bytes of unique packets. */
  bytes: number;
  /** Duplicates dropped. */
  duplicates: number;
}

export class RtpCounter {
  private firstExt = -1;
  private highestExt = -1;
  private received = 0;
  private markers = 0;
  private bytes = 0;
  private duplicates = 0;
  /** slot (ext & (HISTORY-1)) → ext seq stored there, −1 = empty. */
  private readonly seen = new Float64Array(HISTORY).fill(-1);

  /** Feed one packet's 16-bit sequence number, marker bit and payload size. */
  push(seq: number, marker: boolean, payloadBytes: number): void {
    const ext = this.extend(seq & 0xffff);
    if (ext < 0) return; // far older than anything we track: ignore
    const slot = ext % HISTORY;
    if (this.seen[slot] === ext) {
      this.duplicates++;
      return;
    }
    this.seen[slot] = ext;
    this.received++;
    this.bytes += payloadBytes;
    if (marker) this.markers++;
  }

  /** Map a 16-bit sequence number onto the extended sequence space nearest to the highest seen. */
  private extend(seq: number): number {
    if (this.highestExt < 0) {
      // Start the space at 65536 so that slightly-older packets right after the first one stay non-negative.
      this.firstExt = 65536 + seq;
      this.highestExt = this.firstExt;
      return this.firstExt;
    }
    const highestLow = this.highestExt & 0xffff;
    let delta = seq - highestLow;
    if (delta > 32768) delta -= 65536;
    else if (delta < -32768) delta += 65536;
    const ext = this.highestExt + delta;
    if (ext > this.highestExt) this.highestExt = ext;
    if (ext < this.firstExt) {
      // A reordered packet from before the first one we saw: widen the window instead of counting a gap.
      if (this.firstExt - ext > HISTORY) return -1;
      this.firstExt = ext;
    }
    return ext;
  }

  snapshot(): RtpCounterSnapshot {
    return {
      received: this.received,
      expected: this.highestExt < 0 ? 0 : this.highestExt - this.firstExt + 1,
      markers: this.markers,
      bytes: this.bytes,
      duplicates: this.duplicates,
    };
  }
}

export interface RtpWindow {
  received: number;
  expected: number;
  lost: number;
  /** Lost / expected in [0, 1] (0 when nothing was expected). */
  lossFraction: number;
  markers: number;
  bytes: number;
}

/** Difference of two snapshots of the same counter (b taken after a). */
export function windowBetween(a: RtpCounterSnapshot, b: RtpCounterSnapshot): RtpWindow {
  const received = b.received - a.received;
  const expected = b.expected - a.expected;
  const lost = Math.max(0, expected - received);
  return {
    received,
    expected,
    lost,
    lossFraction: expected > 0 ? lost / expected : 0,
    markers: b.markers - a.markers,
    bytes: b.bytes - a.bytes,
  };
}
