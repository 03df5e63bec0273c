import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// The public API of the built package, pinned per entry point: adding or removing an export is a
// decision (update this list, docs/api.md and the counts in the README; `node scripts/export-list.mjs
// [--spec]` prints both from the build), never an accident.
// The root ('.') is the union of codec, cipher, keys, tokens, vectors and meter plus the error class.
const root = join(__dirname, '..');
const built = existsSync(join(root, 'dist', 'index.js')) && existsSync(join(root, 'dist', 'index.cjs'));

const SUBPATHS: Record<string, readonly string[]> = {
  './codec': [
    'AMOUNT_MAX_DIGITS', 'AMOUNT_UNITS', 'BASE_DATES', 'CURRENCY_MAX_UNITS', 'TID_MAX',
    'TRANSFER_AMOUNT_MAX_TENTHS', 'amountRule', 'bytesToHex', 'crc16Sts', 'cubicMetresToTenths',
    'decodeCurrencyUnits', 'decodeTransferAmount', 'encodeCurrencyAmount', 'encodeCurrencyUnits',
    'encodeTransferAmount', 'formatCurrencyAmount', 'formatToken', 'formatWallClock', 'groupToken',
    'hexToBytes', 'isKeyExpired', 'isReservedTid', 'litresToTenths', 'luhnCheckDigit',
    'makeMeterPan', 'parseBaseDate', 'parseCurrencyAmount', 'parseDecimalAmount',
    'parseDecimalAmountNumber', 'parseDrn', 'parseMeterPan', 'parseToken', 'parseWallClock',
    'tenthsToLitres', 'tidFromInstant', 'tidFromWallClock', 'tokenCrc', 'tokenFromBigInt',
    'tokenToBigInt', 'wallClockFromTid',
  ],
  './cipher': [
    'STA_SAMPLE_TABLES', 'STA_TABLES_FORMAT', 'createDes', 'createMisty1', 'createSta',
    'parseStaTables',
  ],
  './keys': [
    'DecoderKey', 'VendingKey', 'deriveDecoderKey', 'dkga02', 'dkga04',
  ],
  './tokens': [
    'DecodedToken', 'TOKEN_NAMES', 'assembleKeyChange', 'decodeKeyChange', 'decodeToken',
    'decodeTokenInto', 'decryptTokenBlock', 'describeToken', 'generateKeyChange', 'generateToken',
    'issueCredit', 'issueCurrencyCredit', 'keyChangeTokens', 'tryDecodeToken',
  ],
  './vectors': [
    'VECTOR_FORMAT', 'VECTOR_KINDS', 'keyFromObject', 'verifyCase', 'verifyVectors',
  ],
  './meter': [
    'DEFAULT_CREDIT_CAP_LITRES', 'DEFAULT_KEY_TYPE_CHANGES', 'DEFAULT_LOCKOUT',
    'DEFAULT_LOW_CREDIT_LITRES', 'METER_RESULTS', 'METER_RESULT_CODES', 'METER_STATE_FORMAT',
    'Meter', 'WATER_SUBCLASSES', 'formatMeterTime', 'isMeterResultCode', 'litresToCubicMetres',
    'meterFromState', 'meterResultMessage', 'meterSeconds', 'meterStatus', 'meterToState',
    'parseMeterState', 'serializeMeterState',
  ],
  './report': [
    'CODE_REPLAY_WINDOW', 'FRAME_REPLAY_WINDOW', 'NO_REPORT_YET', 'REPORT_CODE_CLASS',
    'REPORT_COUNTER_MAX', 'REPORT_FRAME_BYTES', 'REPORT_FRAME_VERSION', 'REPORT_KEY_SALT',
    'checkReportCounter', 'decodeReportCode', 'decodeReportFrame', 'deriveReportKey',
    'encodeReportFrame', 'peekReportFrame', 'readReportCode', 'reportCode', 'reportKeyMaterial',
    'verifyReportFrame',
  ],
  './link': [
    'ATT_DEFAULT_MTU', 'ATT_ERROR', 'FRAME_OVERHEAD_BYTES', 'LINK_PROTOCOL_VERSION', 'LINK_STATUS',
    'MESSAGE', 'METER_CHARACTERISTICS', 'METER_INFO_BYTES', 'METER_SERVICE_UUID', 'MemoryLink',
    'MeterLinkServer', 'PhoneLinkClient', 'REMEMBERED_MESSAGES', 'Reassembler', 'VirtualClock',
    'WebBluetoothTransport', 'decodeFrame', 'decodeMeterInfo', 'encodeFrames', 'encodeMeterInfo',
    'frameBytesForMtu', 'parseLinkFault', 'requestMeter', 'simulateLinkSession', 'systemClock',
    'tokenFromBytes', 'tokenToBytes',
  ],
  './hsm': [
    'AUDIT_COLUMNS', 'DEFAULT_CONFIG', 'EXAMPLE_TARIFF_R1', 'FLEET_COLUMNS', 'Hsm',
    'MEMORY_SNAPSHOT_FORMAT', 'MemoryStore', 'auditHash', 'formatFleetCsv', 'formatFleetOutcomes',
    'initHsm', 'openHsm', 'parseFleetCsv', 'parseMasterKey', 'rupiahToVolume',
  ],
  './node': [
    'MeterStateFile', 'NobleTransport', 'findNobleMeter', 'loadMeter', 'openPostgresStore', 'openSqliteStore', 'saveMeter',
  ],
  './cli': [
    'DEMO_KEY', 'EXIT', 'createCli', 'exitCodeOf', 'runCli',
  ],
};

const ROOT_PARTS = ['./codec', './cipher', './keys', './tokens', './vectors', './meter'];
const ROOT = [...new Set([...ROOT_PARTS.flatMap((p) => SUBPATHS[p]!), 'HydroSyncError', 'isHydroSyncError'])].sort();

const file = (entry: string) => join(root, 'dist', entry === '.' ? 'index' : entry.slice(2));
const requireCjs = createRequire(__filename);

describe.skipIf(!built)('export list of every entry point (ESM and CommonJS)', () => {
  for (const entry of ['.', ...Object.keys(SUBPATHS)]) {
    it(`${entry}`, async () => {
      const want = entry === '.' ? ROOT : [...SUBPATHS[entry]!].sort();
      const esm = Object.keys(await import(pathToFileURL(`${file(entry)}.js`).href)).sort();
      const cjs = Object.keys(requireCjs(`${file(entry)}.cjs`) as object).filter((k) => k !== '__esModule').sort();
      expect(esm).toEqual(want);
      expect(cjs).toEqual(want);
    });
  }
  it('the package.json exports map has exactly these entry points', () => {
    const pkg = requireCjs(join(root, 'package.json')) as { exports: Record<string, unknown> };
    const entries = Object.keys(pkg.exports).filter((k) => !k.endsWith('.json'));
    expect(entries.sort()).toEqual(['.', ...Object.keys(SUBPATHS)].sort());
  });
});
