import { describe, expect, it } from 'vitest';
import { DecoderKey } from '../src/keys';
import { generateKeyChange } from '../src/tokens';
import { Meter } from '../src/meter';

// A complete key-change set the meter refuses with KEY_TYPE (reference §7.6, §5.4): a key type
// change the profile does not allow (default: a unique key, KT 2, never goes back to a default
// key, KT 1), and a rollover (which clears the TID memory) to the key bits the meter already has
// (old tokens would be accepted again). The set is discarded, the key and TID memory stay.
// A change without rollover may keep the key bits; a rollover to new bits clears the TID memory.

const PAN = '600727000000000009';
const attrs = { supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2 as const, keyExpiryNumber: 255, baseDate: 1993 as const, encryptionAlgorithm: '07' as const };
const BITS = '0123456789abcdef';
const KEY = DecoderKey.fromHex(BITS, attrs);
const meter = () => new Meter({ profile: { pan: PAN, lockout: null, tidMemoryDepth: 3 }, key: KEY, initialTid: 4000 });

describe('key-change refusals (KEY_TYPE)', () => {
  it('KT 2 → KT 1 is refused; the set is discarded and the key stays', () => {
    const m = meter();
    const set = generateKeyChange(KEY, DecoderKey.fromHex('fedcba9876543210', { ...attrs, keyType: 1, keyRevisionNumber: 2 }));
    expect(m.enter(set[0]!, 0).result).toBe('KCT_1');
    const r = m.enter(set[1]!, 1);
    expect(r).toMatchObject({ result: 'KEY_TYPE', class: 2 });
    expect(r.detail).toBe('a change from key type 2 to 1 is not allowed for this meter');
    expect(m.key).toBe(KEY);
    expect(m.pendingKeyChange).toBeNull();
  });

  it('a rollover to the same key bits is refused; TID memory and base date stay', () => {
    const m = meter();
    const same = DecoderKey.fromHex(BITS, { ...attrs, baseDate: 2014, keyRevisionNumber: 2 });
    const set = generateKeyChange(KEY, same, { rollover: true });
    expect(m.enter(set[0]!, 0).result).toBe('KCT_1');
    const r = m.enter(set[1]!, 1);
    expect(r).toMatchObject({ result: 'KEY_TYPE', class: 2 });
    expect(r.detail).toMatch(/rollover key change to the same key/);
    expect(m.key).toBe(KEY);
    expect(m.key.baseDate).toBe(1993);
    expect(m.tidMemory.toArray()).toEqual([4000, 4000, 4000]);
    expect(m.pendingKeyChange).toBeNull();
  });

  it('a change without rollover to the same key bits is accepted and keeps the TID memory', () => {
    const m = meter();
    const set = generateKeyChange(KEY, DecoderKey.fromHex(BITS, { ...attrs, keyRevisionNumber: 2 }), { rollover: false });
    m.enter(set[0]!, 0);
    expect(m.enter(set[1]!, 1)).toMatchObject({ result: 'ACCEPT', keyChange: { rollover: false, keyRevisionNumber: 2 } });
    expect(m.key.keyRevisionNumber).toBe(2);
    expect(m.key.baseDate).toBe(1993);
    expect(m.tidMemory.toArray()).toEqual([4000, 4000, 4000]);
  });

  it('a rollover to new key bits is accepted: base date 2014, TID memory cleared', () => {
    const m = meter();
    const set = generateKeyChange(KEY, DecoderKey.fromHex('fedcba9876543210', { ...attrs, baseDate: 2014, keyRevisionNumber: 2 }), { rollover: true });
    m.enter(set[0]!, 0);
    expect(m.enter(set[1]!, 1)).toMatchObject({ result: 'ACCEPT', keyChange: { rollover: true, baseDate: 2014 } });
    expect(m.key.baseDate).toBe(2014);
    expect(m.tidMemory.toArray()).toEqual([0, 0, 0]);
  });
});
