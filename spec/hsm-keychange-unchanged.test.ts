// Issue #14: a key change with nothing to change is refused (USAGE) before anything is issued, and
// a repeated fleet run skips the meters already on the target key instead of re-keying them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CTX, OP, PAN, VK04_KRN2, panOf, setup, tempDir } from './hsm-support';
import { errorCode, runCapture } from './support';
import type { Hsm } from '../src/hsm';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const importKrn2 = (hsm: Hsm) => hsm.importVendingKey({
  id: 'krn2', keyHex: VK04_KRN2, dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 2, vendingKeyType: 'unique',
  baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00',
}, OP);

describe('a key change with nothing to change', () => {
  it('is USAGE: nothing issued, nothing stored, audited as refused only', async () => {
    const { hsm, store } = await setup();
    await importKrn2(hsm);
    const before = (await hsm.auditRecords()).length;
    for (const req of [{}, { newKeyRevisionNumber: 1 }, { newKeyExpiryNumber: 255, newTariffIndex: '01' }, { newVendingKeyId: 'sgc201457-krn1' }]) {
      expect(await errorCode(() => hsm.keyChange({ ...CTX, pan: PAN, transactionId: 'same', ...req }))).toBe('USAGE');
    }
    expect((await store.transaction((tx) => tx.getTransaction('same')))).toBeUndefined();
    const added = (await hsm.auditRecords()).slice(before);
    expect(added.map((r) => `${r.outcome}:${r.errorCode}`)).toEqual(Array(4).fill('refused:USAGE'));
    expect(added.every((r) => r.tokenHash === null)).toBe(true);
    // A real change is still issued; repeating it (new transaction) is then USAGE.
    expect((await hsm.keyChange({ ...CTX, pan: PAN, newKeyRevisionNumber: 2 })).tokens).toHaveLength(4);
    expect(await errorCode(() => hsm.keyChange({ ...CTX, pan: PAN, newKeyRevisionNumber: 2 }))).toBe('USAGE');
  });

  it('fleet: a repeated run skips the meters already on the target key', async () => {
    const { hsm } = await setup({ meter: false });
    await importKrn2(hsm);
    const pans = [1, 2, 3].map(panOf);
    for (const pan of pans) await hsm.addMeter({ pan, customerReference: pan, supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, OP);
    const reqs = (ps: string[]) => ps.map((pan) => ({ pan, newKeyRevisionNumber: 2 }));
    expect(await hsm.keyChangeFleet(reqs(pans.slice(0, 2)), CTX)).toMatchObject({ issued: 2, refused: 0, unchanged: 0 });
    const audited = (await hsm.auditRecords()).length;
    const again = await hsm.keyChangeFleet(reqs(pans), CTX);
    expect(again).toMatchObject({ issued: 1, refused: 0, unchanged: 2 });
    expect(again.outcomes.map((o) => (o.ok ? 'ok' : o.errorCode))).toEqual(['UNCHANGED', 'UNCHANGED', 'ok']);
    expect((await hsm.auditRecords()).slice(audited).map((r) => r.pan)).toEqual([pans[2]]);
  });

  it('CLI: hsm keychange with no change exits 2; a repeated --fleet run reports UNCHANGED and exits 0', async () => {
    const store = join(tmp.dir, 'hsm.sqlite');
    const master = join(tmp.dir, 'master.key');
    writeFileSync(master, `${'ab'.repeat(32)}\n`, { mode: 0o600 });
    const env = { HYDROSYNC_STORE: store, HYDROSYNC_MASTER_KEY_FILE: master, HYDROSYNC_OPERATOR: 'alice' };
    const run = (args: string[]) => runCapture(args, { env });
    expect((await run(['hsm', 'init'])).code).toBe(0);
    const imp = await runCapture(['hsm', 'key', 'import', '--id', 'k1', '--sgc', '201457', '--krn', '1', '--base-date', '2014', '--ea', '11'], { env: { ...env, HYDROSYNC_VENDING_KEY: 'abababababababab949494949494949401234567' } });
    expect(imp.code, imp.stderr).toBe(0);
    const pans = [1, 2].map(panOf);
    for (const pan of pans) expect((await run(['hsm', 'meter', 'add', '--pan', pan, '--customer-ref', pan, '--vending-key-id', 'k1'])).code).toBe(0);
    const none = await run(['hsm', 'keychange', '--pan', pans[0]!]);
    expect(none.code, none.stderr).toBe(2);
    expect(none.stderr).toMatch(/nothing to change/);
    const csv = join(tmp.dir, 'fleet.csv');
    writeFileSync(csv, `pan\n${pans.join('\n')}\n`);
    const one = await run(['hsm', 'keychange', '--fleet', csv, '--new-ken', '200']);
    expect(one.code, one.stderr).toBe(0);
    const two = await run(['hsm', 'keychange', '--fleet', csv, '--new-ken', '200']);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout.trim().split('\n').slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(pans.map((p) => `${p},false,UNCHANGED`));
    expect(two.stderr).toMatch(/0 committed, 0 refused, 2 unchanged/);
  });
});
