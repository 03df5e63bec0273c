import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    codec: 'src/codec/index.ts',
    cipher: 'src/cipher/index.ts',
    keys: 'src/keys/index.ts',
    tokens: 'src/tokens/index.ts',
    vectors: 'src/vectors/index.ts',
    cli: 'src/cli/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  treeshake: true,
});
