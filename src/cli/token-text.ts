import type { DecoderKey } from '../keys/decoder-key';
import type { TokenDescription } from '../tokens/describe';
import { keyCheckValue } from '../keys/key-check-value';

/** Fields of key-change tokens that hold bits of the new decoder key: never printed. */
export const KEY_BIT_FIELDS: readonly string[] = ['newKeyHigh', 'newKeyLow', 'newKeyMiddle1', 'newKeyMiddle2'];

/** Units of class 0 subclasses 0–3 (one TransferAmount count = 0.1 of these). */
export const CREDIT_UNITS = [
  { utility: 'electricity', unit: 'kWh' },
  { utility: 'water', unit: 'm³' },
  { utility: 'gas', unit: 'm³' },
  { utility: 'time', unit: 'minutes' },
] as const;

const ALGORITHMS: Record<string, string> = { '07': 'EA07 (STA)', '09': 'EA09 (DES, deprecated)', '11': 'EA11 (MISTY1)' };
const KEY_TYPES = ['DITK, initialisation key', 'DDTK, default key', 'DUTK, unique key', 'DCTK, common key'];

/** Tenths of a unit as a decimal: 26 → "2.6", 50 → "5". */
export function tenthsText(tenths: number): string {
  const whole = Math.floor(tenths / 10);
  const tenth = tenths % 10;
  return tenth === 0 ? String(whole) : `${whole}.${tenth}`;
}

/** "5 m³ (5000 L)" for water, "12.5 kWh" for electricity, … */
export function creditText(subclass: number, tenths: number): string {
  const u = CREDIT_UNITS[subclass] ?? CREDIT_UNITS[1];
  return subclass === 1 ? `${tenthsText(tenths)} ${u.unit} (${tenths * 100} L)` : `${tenthsText(tenths)} ${u.unit}`;
}

export function algorithmText(ea: string): string {
  return ALGORITHMS[ea] ?? `EA${ea}`;
}

export function keyTypeText(kt: number): string {
  return `${kt} (${KEY_TYPES[kt] ?? 'unknown'})`;
}

/** The key's attributes as JSON (never the key): with its key check value. */
export function keyJson(key: DecoderKey): Record<string, unknown> {
  return { ...key.attributes(), ...(key.staTables !== undefined ? { staTables: key.staTables } : {}), kcv: keyCheckValue(key) };
}

/** Aligned "label  value" lines. */
export function table(rows: readonly (readonly [string, string] | undefined)[], indent = '  '): string[] {
  const present = rows.filter((r): r is readonly [string, string] => r !== undefined);
  const width = Math.max(0, ...present.map(([l]) => l.length));
  return present.map(([l, v]) => `${indent}${l.padEnd(width)}  ${v}`);
}

/** The attribute rows of a key (no key bits). */
export function keyRows(key: DecoderKey): [string, string][] {
  const rows: [string, string][] = [];
  if (key.dkga !== undefined) rows.push(['DKGA', key.dkga]);
  rows.push(['Encryption', `${algorithmText(key.encryptionAlgorithm)}, ${key.bits}-bit key${key.staTables !== undefined ? `, STA tables "${key.staTables}"` : ''}`]);
  rows.push(['Key type (KT)', keyTypeText(key.keyType)]);
  rows.push(['Supply group (SGC)', key.supplyGroupCode]);
  rows.push(['Tariff index (TI)', key.tariffIndex]);
  rows.push(['Key revision (KRN)', String(key.keyRevisionNumber)]);
  rows.push(['Key expiry (KEN)', key.keyExpiryNumber === 255 ? '255 (never expires)' : String(key.keyExpiryNumber)]);
  rows.push(['Base date', String(key.baseDate)]);
  if (key.pan !== undefined) rows.push(['MeterPAN', key.pan]);
  rows.push(['Key check value', `${keyCheckValue(key)} (KCV: first 6 hex digits of the zero block encrypted with the key)`]);
  return rows;
}

/** A token description with the key-bit fields removed (for output). */
export function publicDescription(d: TokenDescription): TokenDescription & { redactedFields?: string[] } {
  const fields: Record<string, number> = {};
  const redacted: string[] = [];
  for (const [k, v] of Object.entries(d.fields)) {
    if (KEY_BIT_FIELDS.includes(k)) redacted.push(k);
    else fields[k] = v;
  }
  return { ...d, fields, ...(redacted.length > 0 ? { redactedFields: redacted } : {}) };
}

function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase()}`;
}

/** Which control bits are set, e.g. "bits 0, 3" or "all bits". */
function controlBits(control: number, width: number): string {
  if (control === 2 ** width - 1) return 'all tests and displays';
  const bits: number[] = [];
  for (let i = 0; i < width; i++) if (Math.floor(control / 2 ** i) % 2 === 1) bits.push(i);
  return bits.length === 0 ? 'no bits set' : `bit${bits.length > 1 ? 's' : ''} ${bits.join(', ')}`;
}

/**
 * Human lines for a decoded token (the token line first). `baseDate` (from the key) turns the TID
 * into a date-time. Key bits of key-change tokens are never shown.
 */
export function describeLines(token: string, d: TokenDescription, baseDate?: number): string[] {
  return [`Token ${groupDigits(token)}`, ...table(describeRows(d, baseDate))];
}

/** The rows of describeLines (label, value), for callers that add their own. */
export function describeRows(d: TokenDescription, baseDate?: number): [string, string][] {
  const f = d.fields;
  const m = d.meaning;
  const rows: [string, string][] = [];
  let what = '';
  switch (d.kind) {
    case 'transferCredit':
      what = `${CREDIT_UNITS[d.subclass]?.utility ?? ''} credit`;
      break;
    case 'transferCurrency':
      what = `${String(m.utility ?? '')} credit in currency`;
      break;
    case 'meterTest':
      what = 'meter test / display, not encrypted';
      break;
    default:
      what = d.class === 2 ? 'meter management' : '';
  }
  rows.push(['Kind', `${d.name}: class ${d.class}, subclass ${d.subclass}${what ? ` (${what})` : ''}`]);
  if (f.tid !== undefined) {
    rows.push(['TID', m.dateTime !== undefined ? `${f.tid} = ${String(m.dateTime)} (base date ${baseDate ?? '?'})` : String(f.tid)]);
  }
  if (f.rnd !== undefined) rows.push(['RND', String(f.rnd)]);
  switch (d.kind) {
    case 'transferCredit':
      rows.push(['Amount field', `${f.amount} = ${Number(m.tenths)} × 0.1 ${CREDIT_UNITS[d.subclass]?.unit ?? ''}`]);
      rows.push(['Credit', creditText(d.subclass, Number(m.tenths))]);
      break;
    case 'transferCurrency':
      rows.push(['Amount field', `${f.currencyAmount} (${hex(f.currencyAmount!)})`]);
      rows.push(['Credit', `${String(m.currency)} currency units`]);
      break;
    case 'meterTest':
      rows.push(['Control', `${f.control} (${hex(f.control!)}): ${controlBits(f.control!, d.subclass === 0 ? 36 : 28)}`]);
      rows.push(['Manufacturer', `code ${f.manufacturerCode}`]);
      break;
    case 'clearCredit':
      rows.push(['Register', `${f.register} (${String(m.register)})`]);
      break;
    case 'setMaximumPowerLimit':
      rows.push(['Limit field', `${f.maximumPowerLimit} = ${Number(m.watts)} W`]);
      break;
    case 'setMaximumPhasePowerUnbalanceLimit':
      rows.push(['Limit field', `${f.maximumPhasePowerUnbalanceLimit} = ${Number(m.watts)} W`]);
      break;
    case 'setTariffRate':
      rows.push(['Rate field', `${f.rate} (reserved by the STS Association; carried raw)`]);
      break;
    case 'setWaterMeterFactor':
      rows.push(['Factor field', `${f.waterMeterFactor} (reserved by the STS Association; carried raw)`]);
      break;
    case 'clearTamperCondition':
      rows.push(['Action', 'clears the tamper condition']);
      break;
    case 'set1stSectionDecoderKey':
      rows.push(['New key', `KRN ${f.keyRevisionNumber}, KT ${keyTypeText(f.keyType!)}, KEN high nibble ${f.keyExpiryNumberHigh}`]);
      rows.push(['Rollover', f.rollover ? 'yes (new base date, the meter resets its TID memory)' : 'no']);
      rows.push(['3-token set', f.threeTokenSet ? 'yes' : 'no']);
      rows.push(['Key bits', 'not shown (high 32 bits of the new decoder key)']);
      break;
    case 'set2ndSectionDecoderKey':
      rows.push(['New key', `TI ${String(f.tariffIndex).padStart(2, '0')}, KEN low nibble ${f.keyExpiryNumberLow}`]);
      rows.push(['Key bits', 'not shown (low 32 bits of the new decoder key)']);
      break;
    case 'set3rdSectionDecoderKey':
      rows.push(['SGC low bits', `${f.supplyGroupCodeLow} (${hex(f.supplyGroupCodeLow!)})`]);
      rows.push(['Key bits', 'not shown (bits of the new decoder key)']);
      break;
    case 'set4thSectionDecoderKey':
      rows.push(['SGC high bits', `${f.supplyGroupCodeHigh} (${hex(f.supplyGroupCodeHigh!)})`]);
      rows.push(['Key bits', 'not shown (bits of the new decoder key)']);
      break;
    case 'setSupplyGroupCode':
      rows.push(['New SGC', String(m.supplyGroupCode)]);
      break;
    default:
      break;
  }
  if (m.keyExpired === true) rows.push(['Note', "the TID is past the key's expiry number (KEN): a meter with this key rejects it"]);
  return rows;
}

/** The token as given: its digits without separators when it looks like one, else trimmed. */
export function tokenDigits(raw: string): string {
  const d = raw.replace(/[\s-]/g, '');
  return /^\d+$/.test(d) ? d : raw.trim();
}

/** 20 digits grouped 4-4-4-4-4 (input assumed valid; otherwise returned as given). */
export function groupDigits(token: string): string {
  const d = token.replace(/[\s-]/g, '');
  return /^\d{20}$/.test(d) ? d.replace(/(\d{4})(?=\d)/g, '$1 ') : token.trim();
}
