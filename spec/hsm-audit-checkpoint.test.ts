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

/** The attack: copy the store, vend more, (operator takes a checkpoint), cut the new records and put the old head back. */
function attack(path: string, withCheckpointAfterVends: boolean) {
  const { hsm } = setup({ store: openSqliteStore(path, { create: true }) });
  hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
  hsm.close();
  const old = `${path}.old`;
  copyFileSync(path, old);
  const again = openHsm({ store: openSqliteStore(path), masterKey: MASTER });
  again.vend({ ...CTX, pan: PAN, litres: 5000 });
  again.vend({ ...CTX, pan: PAN, litres: 7000 });
  const checkpoint = withCheckpointAfterVends ? again.auditCheckpoint() : undefined;
  again.close();
  const oldDb = new Database(old, { readonly: true });
  const oldHead = (oldDb.prepare("SELECT value FROM meta WHERE name = 'audit_head'").get() as { value: string }).value;
  const oldLast = (oldDb.prepare('SELECT MAX(seq) AS s FROM audit').get() as { s: number }).s;
  oldDb.close();
  const db = new Database(path);
  db.prepare('DELETE FROM audit WHERE seq > ?').run(oldLast);
  db.prepare("UPDATE meta SET value = ? WHERE name = 'audit_head'").run(oldHead);
  db.close();
  return { checkpoint, hsm: openHsm({ store: openSqliteStore(path), masterKey: MASTER }) };
}

describe('audit checkpoint', () => {
  it('the tail-truncation attack passes without a checkpoint, and fails with one (truncated)', () => {
    const { checkpoint, hsm } = attack(join(dir, 'a.db'), true);
    try {
      expect(hsm.verifyAudit()).toMatchObject({ ok: true }); // the head row alone cannot show it
      const v = hsm.verifyAudit({ checkpoint });
      expect(v.ok).toBe(false);
      expect(v.firstBad).toMatchObject({ reason: 'truncated', seq: checkpoint!.seq });
    } finally {
      hsm.close();
    }
  });

  it('an honest log verifies against every earlier checkpoint; a forged or foreign checkpoint is refused', () => {
    const { hsm } = setup();
    const cp1 = hsm.auditCheckpoint();
    hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
    const cp2 = hsm.auditCheckpoint();
    expect(cp2.seq).toBe(cp1.seq + 1);
    hsm.vend({ ...CTX, pan: PAN, litres: 1000 });
    expect(hsm.verifyAudit({ checkpoint: cp1 })).toEqual({ ok: true, records: cp2.seq + 1 });
    expect(hsm.verifyAudit({ checkpoint: JSON.parse(JSON.stringify(cp2)) }).ok).toBe(true);
    expect(errorCode(() => hsm.verifyAudit({ checkpoint: { ...cp2, seq: cp2.seq + 5 } }))).toBe('AUDIT');
    expect(errorCode(() => hsm.verifyAudit({ checkpoint: { seq: 3 } }))).toBe('FORMAT');
    // Another store with the same master key: the checkpoint's seal verifies, but this log is not the one it saw.
    expect(setup().hsm.verifyAudit({ checkpoint: cp2 }).ok).toBe(false);
  });

  it('CLI: hsm audit checkpoint --out FILE; hsm audit verify --checkpoint FILE exits 1 with AUDIT truncated after the attack', async () => {
    const path = join(dir, 'cli.db');
    const master = join(dir, 'master.key');
    writeFileSync(master, `${'000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f'}\n`, { mode: 0o600 });
    const env = { HYDROSYNC_STORE: path, HYDROSYNC_MASTER_KEY_FILE: master, HYDROSYNC_OPERATOR: 'alice' };
    // Build the store through the library (same master key), then take the checkpoint with the CLI.
    const { hsm } = attack(path, false);
    hsm.close();
    // Nothing to see yet: the attack happened before this checkpoint (it vouches for the state now).
    const file = join(dir, 'checkpoint.json');
    const made = await runCapture(['hsm', 'audit', 'checkpoint', '--out', file], { env });
    expect(made.code, made.stderr).toBe(0);
    expect((await runCapture(['hsm', 'audit', 'verify', '--checkpoint', file], { env })).code).toBe(0);
    // Vend two more, keep a copy... then cut them off and restore the head: the checkpoint taken after the vends sees it.
    const h2 = openHsm({ store: openSqliteStore(path), masterKey: MASTER });
    h2.vend({ ...CTX, pan: PAN, litres: 100 });
    h2.close();
    const copy = `${path}.copy`;
    copyFileSync(path, copy);
    const h3 = openHsm({ store: openSqliteStore(path), masterKey: MASTER });
    h3.vend({ ...CTX, pan: PAN, litres: 200 });
    h3.close();
    const later = join(dir, 'checkpoint-2.json');
    expect((await runCapture(['hsm', 'audit', 'checkpoint', '--out', later], { env })).code).toBe(0);
    const oldDb = new Database(copy, { readonly: true });
    const oldHead = (oldDb.prepare("SELECT value FROM meta WHERE name = 'audit_head'").get() as { value: string }).value;
    const oldLast = (oldDb.prepare('SELECT MAX(seq) AS s FROM audit').get() as { s: number }).s;
    oldDb.close();
    const db = new Database(path);
    db.prepare('DELETE FROM audit WHERE seq > ?').run(oldLast);
    db.prepare("UPDATE meta SET value = ? WHERE name = 'audit_head'").run(oldHead);
    db.close();
    expect((await runCapture(['hsm', 'audit', 'verify'], { env })).code).toBe(0);
    const v = await runCapture(['hsm', 'audit', 'verify', '--checkpoint', later], { env });
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/AUDIT.*truncated/);
  });
});
