// The sealed reissue record (issue #9: at most 400 bytes on disk per vend): format 2 seals a
// compact form bound to the transaction row (id, kind, PAN, time). A reissue returns exactly
// what the vend returned; a record moved to another row, or a row edited, is refused (STORE); the
// tokens stay encrypted; records of format 1 (stores written before) still reissue.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { masterKeys } from '../src/hsm/master-key';
import { MemoryStore } from '../src/hsm/memory-store';
import { openHsm } from '../src/hsm/open';
import { hexToBytes, bytesToHex } from '../src/codec/hex';
import { compactResultText, expandResult } from '../src/hsm/sealed-result';
import { CTX, MASTER, PAN, setup } from './hsm-support';
import { errorCode } from './support';

const sealKey = masterKeys(MASTER).seal;

/** The plaintext of a stored record, decrypted here with the associated data the format names. */
function open(sealedHex: string, aad: string): string {
  const sealed = hexToBytes(sealedHex);
  return new TextDecoder().decode(xchacha20poly1305(sealKey, sealed.subarray(0, 24), utf8ToBytes(aad)).decrypt(sealed.subarray(24)));
}

describe('sealed reissue records, format 2', () => {
  it('a vend is sealed as about 95 bytes of JSON under the row (id, kind, PAN, time); the reissue is the same result, key order included', async () => {
    const { hsm, store } = await setup();
    const sold = await hsm.vend({ ...CTX, pan: PAN, litres: 2550, transactionId: 'pos-1' });
    const again = await hsm.vend({ ...CTX, pan: PAN, litres: 2550, transactionId: 'pos-1' });
    expect(JSON.stringify(again)).toBe(JSON.stringify({ ...sold, reissued: true }));
    expect(JSON.stringify(await hsm.reprint({ operator: 'bob', transactionId: 'pos-1' }))).toBe(JSON.stringify({ ...sold, reissued: true }));
    const row = (store as MemoryStore).snapshot().transactions.find((t) => t.id === 'pos-1')!;
    const text = open(row.sealed, JSON.stringify(['hydrosync-seal/2', 'pos-1', 'vend', PAN, row.at]));
    // One token as a string, the TID's date-time as its base date (2014: TID 6793050 is 2026-12-01T09:30).
    expect(sold.tidDateTime).toBe('2026-12-01T09:30');
    expect(JSON.parse(text)).toEqual({ t: sold.tokens[0], d: sold.tid, w: 2014, r: 1, a: 0, q: '2550 L', e: '2600 L', l: 2600 });
    expect(text.length).toBeLessThanOrEqual(96);
    expect(row.sealed.length / 2).toBe(24 + 16 + text.length);
    expect(row.at).toBe(sold.issuedAt);
  });

  it('the encoded amount, when it is the requested one, is sealed as "e":0; records of the earlier compact form (a list of one token, the date-time and amount in full) read the same', async () => {
    const { hsm, store } = await setup();
    const sold = await hsm.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: 'pos-2' });
    expect([sold.requested, sold.encoded]).toEqual(['1000 L', '1000 L']);
    const snap = (store as MemoryStore).snapshot();
    const row = snap.transactions.find((t) => t.id === 'pos-2')!;
    const aad = JSON.stringify(['hydrosync-seal/2', 'pos-2', 'vend', PAN, row.at]);
    expect(JSON.parse(open(row.sealed, aad))).toEqual({ t: sold.tokens[0], d: sold.tid, w: 2014, r: 1, a: 0, q: '1000 L', e: 0, l: 1000 });
    const nonce = new Uint8Array(24).fill(9);
    const earlier = { t: sold.tokens, d: sold.tid, w: sold.tidDateTime, r: 1, a: 0, q: '1000 L', e: '1000 L', l: 1000 };
    row.sealed = bytesToHex(new Uint8Array([...nonce, ...xchacha20poly1305(sealKey, nonce, utf8ToBytes(aad)).encrypt(utf8ToBytes(JSON.stringify(earlier)))]));
    const copy = await openHsm({ store: MemoryStore.fromSnapshot(snap), masterKey: MASTER });
    expect(JSON.stringify(await copy.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: 'pos-2' }))).toBe(JSON.stringify({ ...sold, reissued: true }));
  });

  it.each([
    ['pan', { pan: '600727111111111153' }],
    ['time', { at: '2026-12-01T02:30:00.001Z' }],
    ['kind', { kind: 'manage' }],
  ])('a row whose %s was edited does not reissue (STORE): the seal is bound to it', async (_what, edit) => {
    const { hsm, store } = await setup();
    await hsm.vend({ ...CTX, pan: PAN, litres: 1000, transactionId: 'pos-1' });
    const snap = (store as MemoryStore).snapshot();
    Object.assign(snap.transactions.find((t) => t.id === 'pos-1')!, edit);
    const copy = await openHsm({ store: MemoryStore.fromSnapshot(snap), masterKey: MASTER });
    expect(await errorCode(() => copy.reprint({ operator: 'bob', transactionId: 'pos-1' }))).toBe('STORE');
  });

  it('a record of format 1 (the whole result, the id as associated data) still reissues', async () => {
    const { hsm, store } = await setup();
    const sold = await hsm.vend({ ...CTX, pan: PAN, rupiah: 50_000, transactionId: 'pos-1' });
    const snap = (store as MemoryStore).snapshot();
    const row = snap.transactions.find((t) => t.id === 'pos-1')!;
    const nonce = new Uint8Array(24).fill(7);
    const plain = utf8ToBytes(JSON.stringify({ issued: sold, auditAmount: sold.encoded }));
    row.sealed = bytesToHex(new Uint8Array([...nonce, ...xchacha20poly1305(sealKey, nonce, utf8ToBytes('pos-1')).encrypt(plain)]));
    const copy = await openHsm({ store: MemoryStore.fromSnapshot(snap), masterKey: MASTER });
    expect(await copy.vend({ ...CTX, pan: PAN, rupiah: 50_000, transactionId: 'pos-1' })).toEqual({ ...sold, reissued: true });
  });

  it('a result of another shape is kept whole; the audit amount is kept when it is not the encoded amount', () => {
    const row = { id: 'x-1', kind: 'vend', pan: PAN, at: '2026-12-01T02:30:00.000Z' };
    const issued = { transactionId: 'x-1', reissued: false, pan: PAN, kind: 'vend', tokens: ['12345678901234567890'], grouped: ['1234 5678 9012 3456 7890'], keyRevisionNumber: 1, issuedAt: '2026-12-01T02:31:00.000Z' };
    const compact = JSON.parse(compactResultText(row, { issued, auditAmount: 'register 1' }));
    expect(compact).toEqual({ t: issued.tokens[0], r: 1, a: issued.issuedAt, x: 'register 1' });
    expect(expandResult(row, compact)).toEqual({ issued, auditAmount: 'register 1' });
    const odd = { ...issued, grouped: ['1234-5678-9012-3456-7890'] };
    expect(JSON.parse(compactResultText(row, { issued: odd, auditAmount: null }))).toEqual({ f: { issued: odd, auditAmount: null } });
    const otherPan = { ...issued, pan: '600727111111111153' };
    expect(Object.keys(JSON.parse(compactResultText(row, { issued: otherPan, auditAmount: null })))).toEqual(['f']);
  });
});
