/**
 * A DTLS certificate generated ahead of the recv transport, so the viewer knows its DTLS fingerprint before the
 * transport exists: `viewer.join` carries it and the server connects the transport in the same round trip (no
 * `transport.connect` request on the way to the first picture). The certificate is handed to the transport's
 * RTCPeerConnection (RTCConfiguration.certificates); the `connect` event then checks that the browser used it.
 */
import type { DtlsParameters } from '../../../shared/protocol/mediasoup-params';

/** ECDSA P-256: what browsers generate by default, and quick to make. Resolves null where unsupported. */
export async function generateDtlsCertificate(): Promise<RTCCertificate | null> {
  if (typeof RTCPeerConnection === 'undefined' || typeof RTCPeerConnection.generateCertificate !== 'function') return null;
  try {
    return await RTCPeerConnection.generateCertificate({ name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams);
  } catch {
    return null;
  }
}

/**
 * The DTLS parameters mediasoup-client will report for a recv transport using this certificate: role "client"
 * (the server's transport answers as DTLS server), fingerprints written as in SDP (upper-case hex), which is how
 * mediasoup compares them.
 */
export function dtlsParametersFor(fingerprints: readonly { algorithm?: string; value?: string }[]): DtlsParameters | null {
  const list = fingerprints
    .filter((f): f is { algorithm: string; value: string } => typeof f.algorithm === 'string' && typeof f.value === 'string')
    .map((f) => ({ algorithm: f.algorithm.toLowerCase(), value: f.value.toUpperCase() }));
  return list.length > 0 ? { role: 'client', fingerprints: list } : null;
}

/** Whether the DTLS parameters a transport reports are the ones the server was given (role and every fingerprint). */
export function sameDtlsIdentity(reported: DtlsParameters, announced: DtlsParameters): boolean {
  if ((reported.role ?? 'auto') !== (announced.role ?? 'auto')) return false;
  const key = (f: { algorithm: string; value: string }) => `${f.algorithm.toLowerCase()} ${f.value.toUpperCase()}`;
  const announcedKeys = new Set(announced.fingerprints.map(key));
  return reported.fingerprints.length > 0 && reported.fingerprints.every((f) => announcedKeys.has(key(f)));
}
