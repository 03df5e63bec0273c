import { defineConfig } from 'vitest/config';

// The specs the mutation run (`npm run mutate`, stryker.config.json) uses: the unit specs of the
// mutated modules. The CLI, fleet, package and multi-process specs reach these modules only
// through whole commands, and the slow statistical ones (tokens-property, meter-persistence)
// would cost minutes for every static mutant; all of them stay in `npm test`.
export default defineConfig({
  test: {
    include: [
      'spec/codec-crc16.test.ts',
      'spec/codec-digits.test.ts',
      'spec/tokens.test.ts',
      'spec/vectors.test.ts',
      'spec/meter.test.ts',
      'spec/meter-*.test.ts',
      'spec/hsm-audit.test.ts',
      'spec/hsm-vend.test.ts',
      'spec/hsm-keychange.test.ts',
      'spec/hsm-property.test.ts',
      'spec/audit-*.test.ts',
      'spec/tid-*.test.ts',
      'spec/token-*.test.ts',
    ],
    exclude: ['spec/meter-persistence.test.ts'],
    testTimeout: 60_000,
  },
});
