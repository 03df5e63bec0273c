// The security-module specs that make their module with setup() and use nothing but its API, run
// again by spec/hsm-on-sqlite.test.ts and spec/hsm-on-postgres.test.ts on those stores: the rules
// are written once, in the core, and must hold on every store.
export const STORE_NEUTRAL_SPECS = [
  './hsm-vend.test.ts', './hsm-tariff.test.ts', './hsm-reprint.test.ts', './hsm-report.test.ts', './hsm-sale-maximum.test.ts',
  './hsm-audit-query.test.ts', './hsm-audit-checkpoint.test.ts', './hsm-meter-e2e.test.ts', './hsm-keychange-unchanged.test.ts',
] as const;
