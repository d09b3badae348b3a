/** What reaches one router of a show (a fan-out seat, an edge room): RTP of its video and audio, overlay messages. */
import type { PeerRoom } from '../sfu/peer';

export async function probe(seat: Pick<PeerRoom, 'router' | 'mediaProducers' | 'overlayProducer'>) {
  const direct = await seat.router.createDirectTransport();
  const got = { video: 0, audio: 0, overlay: [] as string[] };
  for (const p of seat.mediaProducers()) {
    const c = await direct.consume({ producerId: p.id, rtpCapabilities: seat.router.rtpCapabilities });
    c.on('rtp', () => {
      got[p.kind]++;
    });
  }
  const dp = seat.overlayProducer();
  if (dp) {
    const dc = await direct.consumeData({ dataProducerId: dp.id });
    dc.on('message', (m) => got.overlay.push(m.toString('utf8')));
  }
  return got;
}
