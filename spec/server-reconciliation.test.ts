// Reconciliation's reading of the audit log's amounts (src/server/reconciliation.ts): exact
// integer litres from the texts the module writes, and a clear refusal of anything else.
import { expect, it } from 'vitest';
import { isHydroSyncError } from '../src/errors';
import { auditLitres } from '../src/server/reconciliation';

it('reads m³ and litres exactly (no floating point), currency as no water', () => {
  expect(auditLitres('17.1 m³')).toBe(17100);
  expect(auditLitres('2.55 m³')).toBe(2550);
  expect(auditLitres('0.001 m³')).toBe(1);
  expect(auditLitres('999999.9 m³')).toBe(999_999_900);
  expect(auditLitres('2600 L')).toBe(2600);
  expect(auditLitres('50000 currency')).toBe(0);
});

it('refuses an amount it cannot read with FORMAT', () => {
  for (const bad of [null, '', '1,5 m³', '1.5m³', '-1 L', '1.5 L', 'reprint of vend']) {
    try {
      auditLitres(bad);
      expect.unreachable(`${String(bad)} was read`);
    } catch (e) {
      expect(isHydroSyncError(e) && e.code).toBe('FORMAT');
    }
  }
});
