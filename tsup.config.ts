import { defineConfig } from 'tsup';

export default defineConfig({
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
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
});
