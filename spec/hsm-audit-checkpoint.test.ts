// Issue #14: deleting the newest audit records and writing back the head row from an older copy of
// the store passed verification. A sealed checkpoint of the head, kept by the operator, shows it.
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openHsm } from '../src/hsm';
import { openSqliteStore } from '../src/node/hsm-sqlite-store';
import { CTX, MASTER, PAN, setup } from './hsm-support';
import { errorCode, runCapture } from './support';

const dir = mkdtempSync(join(tmpdir(), 'hydrosync-checkpoint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The tail-truncation attack on an SQLite store: cut the main chain back to what an older copy of
 * the file holds and write back that copy's (genuinely sealed) head row.
 */
function truncateToCopy(path: string, copy: string): void {
  const oldDb = new Database(copy, { readonly: true });
  const oldHead = (oldDb.prepare("SELECT value FROM meta WHERE name = 'audit_head'").get() as { value: string }).value;
  const oldLast = (oldDb.prepare('SELECT MAX(seq) AS s FROM audit').get() as { s: number }).s;
  oldDb.close();
  const db = new Database(path);
  db.prepare('DELETE FROM audit WHERE seq > ?').run(oldLast);
  db.prepare("UPDATE meta SET value = ? WHERE name = 'audit_head'").run(oldHead);
  db.close();
}

/** The attack: copy the store, vend more, (operator takes a checkpoint), cut the new records and put the old head back. */
async function attack(path: string, withCheckpointAfterVends: boolean) {
  const { hsm } = await setup({ store: openSqliteStore(path, { create: true }) });
  await hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
  await hsm.close();
  const old = `${path}.old`;
  copyFileSync(path, old);
  const again = await openHsm({ store: openSqliteStore(path), masterKey: MASTER });
  await again.vend({ ...CTX, pan: PAN, litres: 5000 });
  await again.vend({ ...CTX, pan: PAN, litres: 7000 });
  const checkpoint = withCheckpointAfterVends ? await again.auditCheckpoint() : undefined;
  await again.close();
  truncateToCopy(path, old);
  return { checkpoint, hsm: await openHsm({ store: openSqliteStore(path), masterKey: MASTER }) };
}

describe('audit checkpoint', () => {
  it('the tail-truncation attack passes without a checkpoint, and fails with one (truncated)', async () => {
    const { checkpoint, hsm } = await attack(join(dir, 'a.db'), true);
    try {
      expect(await hsm.verifyAudit()).toMatchObject({ ok: true }); // the head row alone cannot show it
      const v = await hsm.verifyAudit({ checkpoint });
      expect(v.ok).toBe(false);
      expect(v.firstBad).toMatchObject({ chain: 'main', reason: 'truncated', seq: checkpoint!.heads[0]!.seq });
    } finally {
      await hsm.close();
    }
  });

  it('an honest log verifies against every earlier checkpoint; a forged or foreign checkpoint is refused', async () => {
    const { hsm } = await setup();
    const cp1 = await hsm.auditCheckpoint();
    await hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
    const cp2 = await hsm.auditCheckpoint();
    expect(cp2.heads).toEqual([{ chain: 'main', seq: cp1.heads[0]!.seq + 1, hash: expect.any(String) }]);
    await hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
    expect(await hsm.verifyAudit({ checkpoint: cp1 })).toEqual({ ok: true, records: cp2.heads[0]!.seq + 1 });
    expect((await hsm.verifyAudit({ checkpoint: JSON.parse(JSON.stringify(cp2)) })).ok).toBe(true);
    expect(await errorCode(() => hsm.verifyAudit({ checkpoint: { ...cp2, heads: [{ ...cp2.heads[0]!, seq: cp2.heads[0]!.seq + 5 }] } }))).toBe('AUDIT');
    expect(await errorCode(() => hsm.verifyAudit({ checkpoint: { seq: 3 } }))).toBe('FORMAT');
    // Another store with the same master key: the checkpoint's seal verifies, but this log is not the one it saw.
    expect((await (await setup()).hsm.verifyAudit({ checkpoint: cp2 })).ok).toBe(false);
  });

  it('CLI: hsm audit checkpoint --out FILE; hsm audit verify --checkpoint FILE exits 1 with AUDIT truncated after the attack', async () => {
    const path = join(dir, 'cli.db');
    const master = join(dir, 'master.key');
    writeFileSync(master, `${'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'}\n`, { mode: 0o600 });
    const env = { HYDROSYNC_STORE: path, HYDROSYNC_MASTER_KEY_FILE: master, HYDROSYNC_OPERATOR: 'alice' };
    // Build the store through the library (same master key), then take the checkpoint with the CLI.
    const { hsm } = await attack(path, false);
    await hsm.close();
    // Nothing to see yet: the attack happened before this checkpoint (it vouches for the state now).
    const file = join(dir, 'checkpoint.json');
    const made = await runCapture(['hsm', 'audit', 'checkpoint', '--out', file], { env });
    expect(made.code, made.stderr).toBe(0);
    expect((await runCapture(['hsm', 'audit', 'verify', '--checkpoint', file], { env })).code).toBe(0);
    // Vend two more, keep a copy... then cut them off and restore the head: the checkpoint taken after the vends sees it.
    const h2 = await openHsm({ store: openSqliteStore(path), masterKey: MASTER });
    await h2.vend({ ...CTX, pan: PAN, litres: 100 });
    await h2.close();
    const copy = `${path}.copy`;
    copyFileSync(path, copy);
    const h3 = await openHsm({ store: openSqliteStore(path), masterKey: MASTER });
    await h3.vend({ ...CTX, pan: PAN, litres: 200 });
    await h3.close();
    const later = join(dir, 'checkpoint-2.json');
    expect((await runCapture(['hsm', 'audit', 'checkpoint', '--out', later], { env })).code).toBe(0);
    truncateToCopy(path, copy);
    expect((await runCapture(['hsm', 'audit', 'verify'], { env })).code).toBe(0);
    const v = await runCapture(['hsm', 'audit', 'verify', '--checkpoint', later], { env });
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/AUDIT.*truncated/);
  });
});
