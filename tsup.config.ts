import { defineConfig, type Options } from 'tsup';

/** The npm package: ESM and CommonJS for Node and bundlers, with declarations. */
const packageBuild: Options = {
  entry: {
    index: 'src/index.ts',
    codec: 'src/codec/index.ts',
    cipher: 'src/cipher/index.ts',
    keys: 'src/keys/index.ts',
    tokens: 'src/tokens/index.ts',
    vectors: 'src/vectors/index.ts',
    meter: 'src/meter/index.ts',
    report: 'src/report/index.ts',
    link: 'src/link/index.ts',
    cli: 'src/cli/index.ts',
    hsm: 'src/hsm/index.ts',
    node: 'src/node/index.ts',
  },
  format: ['esm', 'cjs'],
  // Declarations of the node adapters (CLI) need Node's types; the core is still
  // checked without them by 'tsc -p tsconfig.json'.
  dts: { compilerOptions: { types: ['node'] } },
  sourcemap: true,
  // dist/browser belongs to the browser build below.
  clean: ['!browser/**', '!web/**'],
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
};

/**
 * The core for browsers (dist/browser/*.js): every entry but the Node-only ones (cli, node), as ES
 * modules with shared chunks and the dependencies bundled in, so a page can load them with
 * `<script type="module">` and nothing else. With platform 'browser' a `node:` import anywhere in
 * the core fails this build. spec/browser-bundle.test.ts runs it in Chromium.
 */
const browserBuild: Options = {
  entry: Object.fromEntries(Object.entries(packageBuild.entry as Record<string, string>).filter(([name]) => name !== 'cli' && name !== 'node')),
  outDir: 'dist/browser',
  format: ['esm'],
  platform: 'browser',
  target: 'es2022',
  noExternal: [/./],
  dts: false,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
};

/**
 * The website's client (dist/web): the page script, its styles and the service worker, minified
 * for browsers; `hydrosync serve` serves them (src/server/web-routes.ts).
 */
const webBuild: Options = {
  entry: { app: 'src/web/app.ts', sw: 'src/web/sw.ts', style: 'src/web/app.css' },
  outDir: 'dist/web',
  format: ['iife'],
  outExtension: () => ({ js: '.js' }),
  platform: 'browser',
  target: 'es2022',
  minify: true,
  dts: false,
  sourcemap: false,
  clean: true,
};

export default defineConfig([packageBuild, browserBuild, webBuild]);
