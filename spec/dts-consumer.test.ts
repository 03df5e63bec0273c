import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

// The shipped declarations (dist/*.d.ts and *.d.cts) as a consumer with the strictest common
// settings compiles them: `strict` and `exactOptionalPropertyTypes`, with skipLibCheck off so the
// .d.ts files themselves are checked, in ESM and in CommonJS resolution. The consumer imports every
// entry point through the package name (node_modules/hydrosync → this repo, as after an install).
const root = join(__dirname, '..');
const built = existsSync(join(root, 'dist', 'index.d.ts')) && existsSync(join(root, 'dist', 'index.d.cts'));
const work = mkdtempSync(join(tmpdir(), 'hydrosync-dts-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const ENTRIES = ['', '/codec', '/cipher', '/keys', '/tokens', '/vectors', '/meter', '/report', '/hsm', '/node', '/cli'];
const CONSUMER = `${ENTRIES.map((e, i) => `import * as m${i} from 'hydrosync${e}';`).join('\n')}
import { deriveDecoderKey, issueCredit, decodeToken, describeToken, isHydroSyncError, type DecoderKeyAttributes } from 'hydrosync';
export const modules = [${ENTRIES.map((_, i) => `m${i}`).join(', ')}];
// The README's API example, with explicit undefined where a consumer's own optional values land.
const vendingKey: string | undefined = 'abababababababab949494949494949401234567';
export function example(): string {
  const key = deriveDecoderKey(vendingKey ?? '', {
    supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2,
    keyExpiryNumber: 255, pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11',
  });
  const attributes: DecoderKeyAttributes = key.attributes();
  const issued = issueCredit(key, { cubicMetres: '2.55', dateTime: '2026-12-01T09:30' });
  try {
    const token = decodeToken(issued.token, key);
    return JSON.stringify([describeToken(token, key).meaning, attributes.keyRevisionNumber]);
  } catch (e) {
    return isHydroSyncError(e) ? e.code : 'other';
  }
}
`;

function compile(kind: 'esm' | 'cjs'): string[] {
  const dir = join(work, kind);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(root, join(dir, 'node_modules', 'hydrosync'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${kind}`, private: true, type: kind === 'esm' ? 'module' : 'commonjs' }));
  const file = join(dir, 'consumer.ts');
  writeFileSync(file, CONSUMER);
  const program = ts.createProgram([file], {
    strict: true, exactOptionalPropertyTypes: true, noEmit: true, skipLibCheck: false,
    module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022,
    types: ['node'], typeRoots: [join(root, 'node_modules', '@types')],
  });
  return ts.getPreEmitDiagnostics(program)
    // Only our declarations and the consumer: other packages' .d.ts are theirs to fix.
    .filter((d) => !d.file || !d.file.fileName.includes('/node_modules/') || d.file.fileName.includes('/hydrosync/dist/') || d.file.fileName.startsWith(join(root, 'dist')))
    .map((d) => `${d.file ? `${d.file.fileName.replace(root, '.')}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe.skipIf(!built)('shipped declarations under strict + exactOptionalPropertyTypes', () => {
  it('ESM resolution (dist/*.d.ts)', () => {
    expect(compile('esm')).toEqual([]);
  }, 180_000);
  it('CommonJS resolution (dist/*.d.cts)', () => {
    expect(compile('cjs')).toEqual([]);
  }, 180_000);
});
