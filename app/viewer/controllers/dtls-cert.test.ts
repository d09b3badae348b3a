import { describe, expect, it } from 'vitest';
import { dtlsParametersFor, sameDtlsIdentity } from './dtls-cert';

const HEX = 'ab:cd:ef:01:23';

describe('pre-generated DTLS certificate parameters', () => {
  it('announces role client and SDP-style upper-case fingerprints', () => {
    expect(dtlsParametersFor([{ algorithm: 'SHA-256', value: HEX }])).toEqual({
      role: 'client',
      fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD:EF:01:23' }],
    });
    expect(dtlsParametersFor([])).toBeNull();
    expect(dtlsParametersFor([{ algorithm: 'sha-256' }])).toBeNull();
  });

  it('matches what mediasoup-client reports from the SDP, and nothing else', () => {
    const announced = dtlsParametersFor([{ algorithm: 'sha-256', value: HEX }])!;
    const fromSdp = { role: 'client' as const, fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD:EF:01:23' }] };
    expect(sameDtlsIdentity(fromSdp, announced)).toBe(true);
    expect(sameDtlsIdentity({ ...fromSdp, role: 'server' }, announced)).toBe(false);
    expect(sameDtlsIdentity({ role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD:EF:01:24' }] }, announced)).toBe(false);
    expect(sameDtlsIdentity({ role: 'client', fingerprints: [] }, announced)).toBe(false);
  });
});
