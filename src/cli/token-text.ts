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

type Fields = TokenDescription['fields'];
type Meaning = TokenDescription['meaning'];

/** What a kind is, after its name in the Kind row. */
const KIND_WHAT: Partial<Record<TokenDescription['kind'], (d: TokenDescription) => string>> = {
  transferCredit: (d) => `${CREDIT_UNITS[d.subclass]?.utility ?? ''} credit`,
  transferCurrency: (d) => `${String(d.meaning.utility ?? '')} credit in currency`,
  meterTest: () => 'meter test / display, not encrypted',
};

/** The rows of each kind's own fields (key bits of key-change tokens never shown). */
const KIND_ROWS: Partial<Record<TokenDescription['kind'], (f: Fields, m: Meaning, subclass: number) => [string, string][]>> = {
  transferCredit: (f, m, sub) => [
    ['Amount field', `${f.amount} = ${Number(m.tenths)} × 0.1 ${CREDIT_UNITS[sub]?.unit ?? ''}`], ['Credit', creditText(sub, Number(m.tenths))],
  ],
  transferCurrency: (f, m) => [['Amount field', `${f.currencyAmount} (${hex(f.currencyAmount!)})`], ['Credit', `${String(m.currency)} currency units`]],
  meterTest: (f, _m, sub) => [
    ['Control', `${f.control} (${hex(f.control!)}): ${controlBits(f.control!, sub === 0 ? 36 : 28)}`], ['Manufacturer', `code ${f.manufacturerCode}`],
  ],
  clearCredit: (f, m) => [['Register', `${f.register} (${String(m.register)})`]],
  setMaximumPowerLimit: (f, m) => [['Limit field', `${f.maximumPowerLimit} = ${Number(m.watts)} W`]],
  setMaximumPhasePowerUnbalanceLimit: (f, m) => [['Limit field', `${f.maximumPhasePowerUnbalanceLimit} = ${Number(m.watts)} W`]],
  setTariffRate: (f) => [['Rate field', `${f.rate} (reserved by the STS Association; carried raw)`]],
  setWaterMeterFactor: (f) => [['Factor field', `${f.waterMeterFactor} (reserved by the STS Association; carried raw)`]],
  clearTamperCondition: () => [['Action', 'clears the tamper condition']],
  set1stSectionDecoderKey: (f) => [
    ['New key', `KRN ${f.keyRevisionNumber}, KT ${keyTypeText(f.keyType!)}, KEN high nibble ${f.keyExpiryNumberHigh}`],
    ['Rollover', f.rollover ? 'yes (new base date, the meter resets its TID memory)' : 'no'],
    ['3-token set', f.threeTokenSet ? 'yes' : 'no'],
    ['Key bits', 'not shown (high 32 bits of the new decoder key)'],
  ],
  set2ndSectionDecoderKey: (f) => [
    ['New key', `TI ${String(f.tariffIndex).padStart(2, '0')}, KEN low nibble ${f.keyExpiryNumberLow}`], ['Key bits', 'not shown (low 32 bits of the new decoder key)'],
  ],
  set3rdSectionDecoderKey: (f) => [['SGC low bits', `${f.supplyGroupCodeLow} (${hex(f.supplyGroupCodeLow!)})`], ['Key bits', 'not shown (bits of the new decoder key)']],
  set4thSectionDecoderKey: (f) => [['SGC high bits', `${f.supplyGroupCodeHigh} (${hex(f.supplyGroupCodeHigh!)})`], ['Key bits', 'not shown (bits of the new decoder key)']],
  setSupplyGroupCode: (_f, m) => [['New SGC', String(m.supplyGroupCode)]],
};

/** The rows of describeLines (label, value), for callers that add their own. */
export function describeRows(d: TokenDescription, baseDate?: number): [string, string][] {
  const f = d.fields;
  const m = d.meaning;
  const what = KIND_WHAT[d.kind]?.(d) ?? (d.class === 2 ? 'meter management' : '');
  const rows: [string, string][] = [['Kind', `${d.name}: class ${d.class}, subclass ${d.subclass}${what ? ` (${what})` : ''}`]];
  if (f.tid !== undefined) {
    rows.push(['TID', m.dateTime !== undefined ? `${f.tid} = ${String(m.dateTime)} (base date ${baseDate ?? '?'})` : String(f.tid)]);
  }
  if (f.rnd !== undefined) rows.push(['RND', String(f.rnd)]);
  rows.push(...(KIND_ROWS[d.kind]?.(f, m, d.subclass) ?? []));
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
