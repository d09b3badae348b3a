/**
 * Every method of every contract declares who may call it, with roles from its own boundary's lattice (the header of
 * each contract file). The type already requires the field; this also catches a value that only a cast let through.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { engagementMethods } from './engagement';
import { hostMethods } from './host';
import { realtimeMethods } from './realtime';
import { type MethodMap, MethodCaller, type MethodSpec, type Role, rolesOf } from './rpc';
import { signalingMethods } from './signaling';

const contracts: { name: string; map: MethodMap; roles: readonly Role[] }[] = [
  { name: 'signaling', map: signalingMethods, roles: ['viewer', 'studio'] },
  { name: 'realtime', map: realtimeMethods, roles: ['viewer', 'staff', 'owner'] },
  { name: 'engagement', map: engagementMethods, roles: ['viewer', 'staff', 'owner'] },
  { name: 'host', map: hostMethods, roles: ['studio'] },
];

// A method spec without a declaration does not compile (tsc checks this file).
// @ts-expect-error caller is required
const _undeclared: MethodSpec = { req: z.object({}), res: z.object({}) };
void _undeclared;

describe('method declarations', () => {
  for (const { name, map, roles } of contracts) {
    it(`every ${name} method declares its caller with roles of that boundary`, () => {
      const methods = Object.keys(map);
      expect(methods.length).toBeGreaterThan(0);
      for (const method of methods) {
        const spec = map[method] as Partial<MethodSpec>;
        const declared = MethodCaller.safeParse(spec.caller);
        expect(declared.success, `${name} ${method}: caller ${JSON.stringify(spec.caller)}`).toBe(true);
        for (const role of rolesOf(spec.caller!)) expect(roles, `${name} ${method}`).toContain(role);
      }
    });
  }

  it('realtime carries every engagement method with the same declaration', () => {
    for (const [method, spec] of Object.entries(engagementMethods)) {
      expect((realtimeMethods as MethodMap)[method]?.caller, method).toEqual(spec.caller);
    }
  });
});
