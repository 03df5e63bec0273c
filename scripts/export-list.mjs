#!/usr/bin/env node
// Prints the runtime exports of every entry point of the built package (npx tsup first):
//   node scripts/export-list.mjs          a Markdown table (docs/api.md)
//   node scripts/export-list.mjs --spec   the SUBPATHS literal of spec/exports.test.ts
// Use it after deciding to add or remove an export; the spec then pins the new list.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const entries = Object.keys(pkg.exports).filter((k) => !k.endsWith('.json'));
const ROOT_PARTS = ['./codec', './cipher', './keys', './tokens', './vectors', './meter'];
const names = {};
for (const e of entries) {
  const file = e === '.' ? 'index' : e.slice(2);
  names[e] = Object.keys(await import(new URL(`../dist/${file}.js`, import.meta.url).href)).sort();
}

if (process.argv.includes('--spec')) {
  let out = 'const SUBPATHS: Record<string, readonly string[]> = {\n';
  for (const e of entries.filter((x) => x !== '.')) {
    out += `  '${e}': [\n`;
    let line = '   ';
    for (const n of names[e]) {
      const item = ` '${n}',`;
      if ((line + item).length > 100) {
        out += `${line}\n`;
        line = '   ';
      }
      line += item;
    }
    out += `${line}\n  ],\n`;
  }
  console.log(`${out}};`);
} else {
  const code = (n) => `\`${n}\``;
  const own = names['.'].filter((n) => !ROOT_PARTS.some((p) => names[p].includes(n)));
  console.log('| entry point | values | names |');
  console.log('|---|---|---|');
  console.log(`| \`hydrosync\` | ${names['.'].length} | everything of ${ROOT_PARTS.map((p) => code(p.slice(1))).join(', ')}, plus ${own.map(code).join(', ')} |`);
  for (const e of entries.filter((x) => x !== '.')) console.log(`| \`hydrosync/${e.slice(2)}\` | ${names[e].length} | ${names[e].map(code).join(', ')} |`);
}
