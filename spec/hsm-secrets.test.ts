import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveDecoderKey } from '../src';
import { type MemoryStore, initHsm, openHsm, parseMasterKey } from '../src/hsm';
import { openSqliteStore } from '../src/node/hsm-sqlite-store';
import { CTX, MASTER, MASTER_HEX, OP, PAN, VK02, VK04, VK04_KRN2, setup, tempDir } from './hsm-support';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Every rendering of key material that must never appear. */
function secrets(): string[] {
  const dk = deriveDecoderKey(VK04, { keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11' });
  const dk2 = deriveDecoderKey(VK04_KRN2, { keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 2, pan: PAN, baseDate: 2014, encryptionAlgorithm: '11' });
  return [VK04, VK04_KRN2, VK02, MASTER_HEX, dk.exportHex(), dk2.exportHex()].flatMap((h) => [h.toLowerCase(), h.toUpperCase(), Buffer.from(h, 'hex').toString('base64')]);
}

async function collectErrors(f: () => unknown, into: string[]): Promise<void> {
  try {
    await f();
  } catch (e) {
    into.push(String(e), (e as Error).message, JSON.stringify(e), inspect(e));
  }
}

describe('key material never leaves the security module', () => {
  it('not in results, listings, audit records, exports, errors, JSON or inspect output', async () => {
    const { hsm, store } = await setup();
    await hsm.importVendingKey({ id: 'krn2', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 2, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, OP);
    await hsm.importVendingKey({ id: 'd02', keyHex: VK02, dkga: '02', supplyGroupCode: '123456', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 1993, encryptionAlgorithm: '07' }, OP);
    const out: unknown[] = [];
    out.push(await hsm.vend({ ...CTX, pan: PAN, litres: 1000 }), await hsm.vend({ ...CTX, pan: PAN, rupiah: 20000 }));
    out.push(await hsm.manage({ ...CTX, pan: PAN, action: 'clearTamper' }), await hsm.keyChange({ ...CTX, pan: PAN, newKeyRevisionNumber: 2 }));
    out.push(await hsm.listVendingKeys(), await hsm.listMeters(), await hsm.getMeter(PAN), await hsm.config(), await hsm.auditRecords(), await hsm.verifyAudit());
    out.push(await hsm.exportAudit('csv'), await hsm.exportAudit('ndjson'), (store as MemoryStore).snapshot());
    out.push(await hsm.keyChangeFleet([{ pan: PAN, newKeyExpiryNumber: 100 }, { pan: PAN, newKeyExpiryNumber: 99 }], CTX));
    const errors: string[] = [];
    await collectErrors(() => hsm.importVendingKey({ id: 'x', keyHex: `${VK04}00`, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 3, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11' }, OP), errors);
    await collectErrors(() => hsm.importVendingKey({ id: 'y', keyHex: VK04.slice(0, 39) + 'g', dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 3, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11' }, OP), errors);
    await collectErrors(() => hsm.importVendingKey({ id: 'z', keyHex: VK04, dkga: '02', supplyGroupCode: '201457', keyRevisionNumber: 3, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '07' }, OP), errors);
    await collectErrors(() => parseMasterKey(`${MASTER_HEX}0`), errors);
    await collectErrors(() => parseMasterKey(MASTER_HEX.slice(0, 63) + 'x'), errors);
    await collectErrors(() => openHsm({ store, masterKey: parseMasterKey('ab'.repeat(32)) }), errors);
    await collectErrors(() => initHsm(store, MASTER), errors);
    expect(errors.length).toBeGreaterThanOrEqual(28);
    const text = [JSON.stringify(out), JSON.stringify(hsm), String(hsm), inspect(hsm, { showHidden: true, depth: 10 }), ...errors].join('\n');
    for (const s of secrets()) expect(text).not.toContain(s);
  });

  it('not in the SQLite file: keys are stored wrapped (RFC 3394) only', async () => {
    const path = join(tmp.dir, 'secrets.db');
    const { hsm } = await setup({ store: openSqliteStore(path, { create: true }) });
    await hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
    await hsm.close();
    const files = [path, `${path}-wal`].map((p) => { try { return readFileSync(p); } catch { return Buffer.alloc(0); } });
    for (const bytes of files) {
      for (const hex of [VK04, MASTER_HEX]) expect(bytes.includes(Buffer.from(hex, 'hex'))).toBe(false);
      const text = bytes.toString('latin1');
      for (const s of secrets()) expect(text).not.toContain(s);
    }
    expect(files[0]!.length).toBeGreaterThan(0);
  });
});
