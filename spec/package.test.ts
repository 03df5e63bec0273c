import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The built package as users get it: ESM and CommonJS entry points through the exports map, the
// examples, and the rule that the core imports nothing from node:. Needs `npm run build` (CI
// builds before testing); without dist/ the built-package tests are skipped.
const root = join(__dirname, '..');
const built = existsSync(join(root, 'dist', 'index.js')) && existsSync(join(root, 'dist', 'index.cjs'));

function node(args: string[], input?: string) {
  const r = spawnSync(process.execPath, args, { cwd: root, input, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the core is browser-safe', () => {
  it('no file outside src/cli, src/node and src/server imports from node: or uses process/Buffer', () => {
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) {
          if (!['cli', 'node', 'server'].includes(e.name)) walk(p);
        } else if (p.endsWith('.ts')) {
          const src = readFileSync(p, 'utf8');
          if (/from ['"]node:|require\(|\bprocess\.|\bBuffer\b/.test(src)) offenders.push(p);
        }
      }
    };
    walk(join(root, 'src'));
    expect(offenders).toEqual([]);
  });
});

describe.skipIf(!built)('built package', () => {
  it('CommonJS: require("hydrosync") works on this Node (require of ESM-only @noble/hashes)', () => {
    const r = node(['-e', `const h = require('hydrosync'); const k = h.deriveDecoderKey('abababababababab949494949494949401234567', { keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11' }); console.log(h.generateToken({ kind: 'transferCredit', subclass: 0, fields: { rnd: 5, tid: 85740, amount: 1 } }, k));`]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('58625789986991357486');
  });
  it('ESM subpaths resolve through the exports map', () => {
    const r = node(['--input-type=module', '-e', `import { decodeToken } from 'hydrosync/tokens'; import { groupToken } from 'hydrosync/codec'; import { createCli } from 'hydrosync/cli'; import pkg from 'hydrosync/package.json' with { type: 'json' }; console.log(typeof decodeToken, groupToken('00000000000150997584'), typeof createCli, pkg.name);`]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function 0000 0000 0001 5099 7584 function hydrosync');
  });
  it('meter, hsm and node subpaths work in ESM and CommonJS; a token sold by the module is accepted by the meter', () => {
    const script = (imp: string) => `${imp}
      (async () => {
      const masterKey = hsm.parseMasterKey('11'.repeat(32));
      const store = new hsm.MemoryStore();
      const clock = () => new Date('2026-12-01T02:30:00Z');
      await hsm.initHsm(store, masterKey, {}, clock());
      const h = await hsm.openHsm({ store, masterKey, clock });
      await h.importVendingKey({ id: 'k', keyHex: 'abababababababab949494949494949401234567', dkga: '04', supplyGroupCode: '201457', keyRevisionNumber: 1, vendingKeyType: 'unique', baseDate: 2014, encryptionAlgorithm: '11', activeFrom: '2020-01-01T00:00' }, { operator: 'x' });
      await h.addMeter({ pan: '600727000000000009', customerReference: 'c', supplyGroupCode: '201457', keyRevisionNumber: 1, encryptionAlgorithm: '11', baseDate: 2014 }, { operator: 'x' });
      const sold = await h.vend({ operator: 'x', vendingPoint: 'y', pan: '600727000000000009', litres: 1000 });
      const key = root.deriveDecoderKey('abababababababab949494949494949401234567', { keyType: 2, supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11' });
      const m = new meter.Meter({ profile: { pan: '600727000000000009' }, key });
      console.log(m.enter(sold.tokens[0], '2026-12-01T09:31').result, m.creditLitres, typeof nodeApi.openSqliteStore, typeof nodeApi.loadMeter, root.Meter === meter.Meter);
      })().catch((e) => { console.error(e); process.exitCode = 1; });`;
    const esm = node(['--input-type=module', '-e', script(`import * as root from 'hydrosync'; import * as meter from 'hydrosync/meter'; import * as hsm from 'hydrosync/hsm'; import * as nodeApi from 'hydrosync/node';`)]);
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe('ACCEPT 1000 function function true');
    const cjs = node(['-e', script(`const root = require('hydrosync'); const meter = require('hydrosync/meter'); const hsm = require('hydrosync/hsm'); const nodeApi = require('hydrosync/node');`)]);
    expect(cjs.stderr).toBe('');
    expect(cjs.stdout.trim()).toBe('ACCEPT 1000 function function true');
  });
  it('type declarations exist for both formats', () => {
    for (const f of ['index.d.ts', 'index.d.cts', 'tokens.d.ts', 'cli.d.ts', 'meter.d.ts', 'meter.d.cts', 'hsm.d.ts', 'hsm.d.cts', 'node.d.ts', 'node.d.cts']) expect(existsSync(join(root, 'dist', f))).toBe(true);
  });
  it('examples run', () => {
    const a = node(['examples/issue-and-decode.mjs']);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/TID 6793050 \(2026-12-01T09:30\), 2600 L/);
    const b = node(['examples/key-change.mjs']);
    expect(b.code).toBe(0);
    expect(b.stdout.trim().split('\n').pop()).toBe('true 6 203557 2035');
  });
});

describe.skipIf(!built)('error identity across the ESM and CommonJS builds in one process', () => {
  it('isHydroSyncError and instanceof recognise errors thrown by the other build', () => {
    const r = node(['--input-type=module', '-e', `
      import { createRequire } from 'node:module';
      import * as esm from './dist/index.js';
      const cjs = createRequire(import.meta.url)('./dist/index.cjs');
      const thrown = (f) => { try { f(); } catch (e) { return e; } };
      const fromEsm = thrown(() => esm.parseToken('12'));
      const fromCjs = thrown(() => cjs.parseToken('12'));
      console.log(esm.HydroSyncError !== cjs.HydroSyncError,
        esm.isHydroSyncError(fromCjs), cjs.isHydroSyncError(fromEsm),
        fromCjs instanceof esm.HydroSyncError, fromEsm instanceof cjs.HydroSyncError,
        fromCjs.code, fromEsm.code,
        esm.isHydroSyncError(new Error('x')), new Error('x') instanceof cjs.HydroSyncError,
        esm.isHydroSyncError({ code: 'FORMAT', message: 'look-alike' }), esm.isHydroSyncError(null));`]);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('true true true true true FORMAT FORMAT false false false false');
  });
});
