import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeInBrowser, pageErrors, repoRoot, type ImportModule } from './browser-support';

declare const importModule: ImportModule;

// The core built for browsers (tsup's browser build, dist/browser/*.js) runs in Chromium: every
// entry loads as an ES module with nothing but the page, and the shipped vector files (their
// expected values are the standard's and the project's known answers) all verify inside the page.

const browserDir = join(repoRoot, 'dist', 'browser');
const vectorFiles = readdirSync(join(repoRoot, 'vectors')).filter((f) => f.endsWith('.json')).sort();

describeInBrowser('the core in a browser (dist/browser)', {}, (browser) => {
  it('imports nothing from node: and no bare package names (everything is bundled)', () => {
    let imports = 0;
    for (const f of readdirSync(browserDir).filter((n) => n.endsWith('.js'))) {
      const text = readFileSync(join(browserDir, f), 'utf8');
      expect(text, f).not.toMatch(/from\s*["']node:|import\(\s*["']node:|\brequire\(/);
      for (const m of text.matchAll(/^(?:import|export)\b[^;]*?["']([^"']+)["'];$/gm)) {
        imports++;
        expect(m[1], `${f} imports ${m[1]}`).toMatch(/^\.\/chunk-[\w-]+\.js$/);
      }
    }
    expect(imports).toBeGreaterThan(10);
  });

  it('loads every entry and verifies every shipped vector file in the page', async () => {
    let errors: string[] = [];
    const page = await browser.newPage('/', (p) => {
      errors = pageErrors(p);
    });
    const entries = readdirSync(browserDir).filter((n) => n.endsWith('.js') && !n.startsWith('chunk-'));
    expect(entries).toEqual(expect.arrayContaining(['index.js', 'meter.js', 'tokens.js', 'hsm.js', 'report.js', 'vectors.js']));
    const loaded = await page.evaluate(async (names) => {
      const out: Record<string, number> = {};
      for (const n of names) out[n] = Object.keys(await importModule(`/dist/browser/${n}`)).length;
      return out;
    }, entries);
    for (const n of entries) expect(loaded[n], n).toBeGreaterThan(0);

    const docs = vectorFiles.map((f) => JSON.parse(readFileSync(join(repoRoot, 'vectors', f), 'utf8')) as { cases: unknown[] });
    const results = await page.evaluate(async (files) => {
      const { verifyVectors } = await importModule('/dist/browser/vectors.js');
      return files.map((doc) => {
        const r = verifyVectors(doc);
        return { cases: r.cases.length, failed: r.cases.filter((c: { ok: boolean }) => !c.ok).map((c: { id: string; message?: string }) => `${c.id}: ${c.message}`) };
      });
    }, docs);
    results.forEach((r, i) => {
      expect(r.failed, vectorFiles[i]).toEqual([]);
      expect(r.cases, vectorFiles[i]).toBe(docs[i]!.cases.length);
    });
    expect(errors).toEqual([]);
  });
});
