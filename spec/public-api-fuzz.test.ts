import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// Every exported function, constructor and static factory of the built package, called with bad
// or missing arguments (undefined, null, numbers, strings, empty objects, arrays, objects with
// wrong-typed fields): whatever it throws must be a HydroSyncError with a code, never a TypeError
// or another foreign exception. Returning normally is allowed (many inputs are valid or coerced
// by a documented rule). The CLI entry reports errors as exit codes and is covered by the CLI specs.
const root = join(__dirname, '..');
const built = existsSync(join(root, 'dist', 'index.js'));
const ENTRIES = ['codec', 'cipher', 'keys', 'tokens', 'vectors', 'meter', 'report', 'link', 'hsm', 'node'];

// Fields whose names the API uses, so that objects reach past the first typeof check.
const FIELDS = [
  'pan', 'supplyGroupCode', 'tariffIndex', 'keyRevisionNumber', 'keyType', 'keyExpiryNumber', 'baseDate',
  'encryptionAlgorithm', 'dkga', 'kind', 'subclass', 'fields', 'tid', 'amount', 'rnd', 'litres', 'cubicMetres',
  'tenths', 'dateTime', 'at', 'profile', 'key', 'store', 'masterKey', 'clock', 'format', 'cases', 'vendingKey',
  'id', 'keyHex', 'operator', 'vendingPoint', 'register', 'lockout', 'staTables', 'year', 'month', 'day', 'hour',
  'minute', 'currencyAmount', 'control', 'manufacturerCode', 'meters', 'items', 'history', 'state', 'version',
];
const scalar = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.boolean(), fc.integer({ min: -3, max: 1e6 }), fc.double(),
  fc.constantFrom(0, -1, 1.5, NaN, Infinity, 2 ** 53, 0xffffffff), fc.bigInt({ min: -5n, max: 1n << 70n }),
  fc.string({ maxLength: 24 }), fc.constantFrom('', ' ', '0', '11', '2014', '600727000000000009', '0123456789abcdef', 'abababababababab949494949494949401234567', '2026-12-01T09:30', 'x'.repeat(300)),
);
const wrongObject = fc.dictionary(fc.constantFrom(...FIELDS), fc.oneof(scalar, fc.constant({}), fc.constant([])), { maxKeys: 6, noNullPrototype: true });
const bad = fc.oneof(scalar, fc.constant({}), fc.constant([]), fc.array(scalar, { maxLength: 3 }), wrongObject, fc.constant(new Uint8Array(3)));
const argLists = fc.array(bad, { maxLength: 4 });

const FIXED: unknown[][] = [
  [], [undefined], [null], [0], [''], [{}], [[]], [undefined, undefined], [null, null, null],
  ['600727000000000009', undefined], ['600727000000000009', {}], ['0123456789abcdef', null], [{}, {}, {}],
  [{ pan: 5, supplyGroupCode: null, keyType: 'x', baseDate: {} }],
  [undefined, { pan: '600727000000000009', supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2, baseDate: 2014, encryptionAlgorithm: '11' }],
];

interface Target {
  name: string;
  call: (args: unknown[]) => unknown;
}

function targetsOf(entry: string, mod: Record<string, unknown>): Target[] {
  const out: Target[] = [];
  for (const [name, v] of Object.entries(mod)) {
    if (typeof v !== 'function') continue;
    const fn = v as ((...a: unknown[]) => unknown) & (new (...a: unknown[]) => unknown);
    const isClass = /^class\b/.test(Function.prototype.toString.call(fn));
    if (isClass) {
      out.push({ name: `${entry}: new ${name}`, call: (a) => new fn(...a) });
      for (const s of Object.getOwnPropertyNames(fn)) {
        if (['length', 'name', 'prototype'].includes(s)) continue;
        const m = (fn as unknown as Record<string, unknown>)[s];
        if (typeof m === 'function') out.push({ name: `${entry}: ${name}.${s}`, call: (a) => (m as (...x: unknown[]) => unknown).apply(fn, a) });
      }
    } else {
      out.push({ name: `${entry}: ${name}`, call: (a) => fn(...a) });
    }
  }
  return out;
}

function show(args: unknown[]): string {
  return args.map((a) => {
    if (typeof a === 'bigint') return `${a}n`;
    if (a === undefined) return 'undefined';
    try {
      return JSON.stringify(a) ?? String(a);
    } catch {
      return Object.prototype.toString.call(a);
    }
  }).join(', ');
}

describe.skipIf(!built)('no foreign exception escapes a public function for bad arguments', () => {
  for (const entry of ENTRIES) {
    it(`hydrosync/${entry}`, async () => {
      const mod = (await import(pathToFileURL(join(root, 'dist', `${entry}.js`)).href)) as Record<string, unknown>;
      const { isHydroSyncError } = (await import(pathToFileURL(join(root, 'dist', 'index.js')).href)) as { isHydroSyncError: (e: unknown) => boolean };
      const failures = new Map<string, string>();
      const samples = [...FIXED, ...fc.sample(argLists, { numRuns: 150, seed: 14 })];
      for (const t of targetsOf(entry, mod)) {
        for (const args of samples) {
          if (failures.has(t.name)) break;
          try {
            const r = t.call(args);
            if (r instanceof Promise) await r;
          } catch (e) {
            if (!isHydroSyncError(e) || typeof (e as { code?: unknown }).code !== 'string') {
              failures.set(t.name, `${t.name}(${show(args)}) threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
            }
          }
        }
      }
      expect([...failures.values()]).toEqual([]);
    }, 120_000);
  }
});
