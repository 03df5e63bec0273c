// The operator's commands on a PostgreSQL store (the run's throwaway cluster): hsm init, key
// import, meter add, vend on two named nodes, audit verify across their chains, a checkpoint, and
// hsm migrate on a current store; the connection string's password never appears in any output.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { storeName } from '../src/node/store-file';
import { DEMO_KEY } from '../src/keys/demo-key';
import { deriveDecoderKey } from '../src/keys/derive';
import { decodeToken } from '../src/tokens/decode';
import { connectionString, describePostgres, superuserQuery } from './postgres-support';
import { runCapture } from './support';

const dir = mkdtempSync(join(tmpdir(), 'hydrosync-cli-pg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PASSWORD = 'pg-Secret-4711';

describePostgres('hsm commands on a PostgreSQL store', import.meta.url, (ctx) => {
  it('init, import, add, vend on two nodes, verify every chain, checkpoint, migrate; the password never shows', async () => {
    const role = `hs_cli_${process.pid}`;
    await superuserQuery(ctx().url, `CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`);
    await superuserQuery(ctx().url, `GRANT CREATE ON DATABASE ${ctx().name} TO ${role}`);
    const url = connectionString(ctx().cluster, ctx().name, role, PASSWORD);
    const master = join(dir, 'master.key');
    const env = { HYDROSYNC_STORE: url, HYDROSYNC_MASTER_KEY_FILE: master, HYDROSYNC_OPERATOR: 'alice' };
    const outputs: string[] = [];
    const run = async (args: string[], extra: Record<string, string> = {}) => {
      const r = await runCapture(args, { env: { ...env, ...extra } });
      outputs.push(r.stdout, r.stderr);
      return r;
    };

    const init = await run(['hsm', 'init', '--generate-master-key', master, '--utc-offset', '420']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(new RegExp(`^Created the security module store in postgresql://${role}@\\[/[^\\]]+\\]:\\d+/${ctx().name}\\.$`, 'm'));
    expect((await run(['hsm', 'init', '--master-key-file', master])).code).toBe(2); // never a second init: CONFLICT
    expect((await run(['hsm', 'key', 'import', '--id', 'k1', '--sgc', '201457', '--krn', '1', '--base-date', '2014', '--ea', '11'],
      { HYDROSYNC_VENDING_KEY: DEMO_KEY.vendingKey })).code).toBe(0);
    expect((await run(['hsm', 'meter', 'add', '--pan', DEMO_KEY.pan, '--customer-ref', 'C-1'])).code).toBe(0);

    const dk = deriveDecoderKey(DEMO_KEY.vendingKey, { keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: DEMO_KEY.pan, baseDate: 2014, encryptionAlgorithm: '11' });
    const tids: number[] = [];
    for (const node of ['office-1', 'office-2']) {
      const v = await run(['hsm', 'vend', '--pan', DEMO_KEY.pan, '--litres', '1000', '--node', node, '--json']);
      expect(v.code, v.stderr).toBe(0);
      const issued = JSON.parse(v.stdout);
      const token = decodeToken(issued.tokens[0], dk);
      expect(token.kind).toBe('transferCredit');
      expect((token.fields as { tid: number }).tid).toBe(issued.tid);
      tids.push(issued.tid);
    }
    expect(tids[1]).toBeGreaterThan(tids[0]!); // one meter, two nodes: TIDs never reused
    const viaEnv = await run(['hsm', 'vend', '--pan', DEMO_KEY.pan, '--litres', '500', '--json'], { HYDROSYNC_NODE: 'office-1' });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);

    const verify = await run(['hsm', 'audit', 'verify', '--json']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, records: 6 }); // init, key, meter (main), 2 on office-1, 1 on office-2
    const checkpoint = join(dir, 'cp.json');
    const cp = await run(['hsm', 'audit', 'checkpoint', '--out', checkpoint, '--json']);
    expect(cp.code, cp.stderr).toBe(0);
    expect(JSON.parse(cp.stdout).heads).toEqual([{ chain: 'main', seq: 3 }, { chain: 'office-1', seq: 2 }, { chain: 'office-2', seq: 1 }]);
    expect((await run(['hsm', 'audit', 'verify', '--checkpoint', checkpoint])).code).toBe(0);

    const migrate = await run(['hsm', 'migrate']);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toMatch(/has this version's schema\.\nAudit log: intact, 6 records\./);

    const wrong = await run(['hsm', 'vend', '--pan', DEMO_KEY.pan, '--litres', '1000'], { HYDROSYNC_STORE: connectionString(ctx().cluster, ctx().name, role, 'not-the-password-1') });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^hydrosync: STORE: .*password authentication failed/);
    for (const text of outputs) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('not-the-password-1');
    }
  });
});

it('a store named in messages: a file as given; a connection string without its password, in the user part or the query', () => {
  expect(storeName('/var/lib/pdam/hsm.sqlite')).toBe('/var/lib/pdam/hsm.sqlite');
  expect(storeName('postgres://vending:pw-in-user@db.pdam.local:5432/vending')).toBe('postgres://vending@db.pdam.local:5432/vending');
  expect(storeName('postgresql://vending@/vending?host=/run/postgresql&password=pw-in-query')).toBe('postgresql://vending@[/run/postgresql]/vending');
});
