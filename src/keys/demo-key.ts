/**
 * The built-in DEMO key: the public test key from the STS compliance suites — never use in
 * production. Its vending key is printed in the STS 531-1 compliance test suites and in public
 * repositories, so anyone can make valid tokens for a meter that carries a key derived from it.
 * It exists so that `hydrosync demo` and `--demo-key` work without any file.
 */
export const DEMO_KEY = Object.freeze({
  /** Public STS compliance-test vending key (DKGA04, 160 bits). NOT SECRET, NOT FOR PRODUCTION. */
  vendingKey: 'abababababababab949494949494949401234567',
  dkga: '04',
  keyType: 2,
  supplyGroupCode: '201457',
  tariffIndex: '01',
  keyRevisionNumber: 1,
  keyExpiryNumber: 255,
  pan: '600727000000000009',
  baseDate: 2014,
  encryptionAlgorithm: '11',
});

/** The one-line notice printed on stderr when `--demo-key` is used. */
export const DEMO_KEY_NOTICE =
  'using the public test key from the STS compliance suites (--demo-key): anyone can make tokens with it; never use it in production';
