/**
 * The meter information characteristic (docs/bluetooth.md, "Meter information"): 16 bytes, one
 * ATT read even at the default MTU.
 *
 *   off len field
 *    0   1  link protocol version (1)
 *    1   8  MeterPAN, the 18 digits as an unsigned integer (as in a report frame)
 *    9   1  KeyRevisionNumber of the meter's decoder key (1..9)
 *   10   1  flags: bit 0 key change pending (key-change tokens held); bits 1..7 zero
 *   11   3  firmware version major, minor, patch
 *   14   2  the largest frame the meter accepts and sends on this connection (its ATT MTU − 3)
 */
import { parseMeterPan } from '../codec/pan';
import { fail } from '../errors';
import { LINK_PROTOCOL_VERSION } from './frame';

/** Bytes of the meter information value. */
export const METER_INFO_BYTES = 16;

/** What the meter information characteristic says. */
export interface MeterInfo {
  protocolVersion: number;
  pan: string;
  keyRevisionNumber: number;
  keyChangePending: boolean;
  /** "major.minor.patch". */
  firmwareVersion: string;
  /** The largest frame the meter takes on this connection (negotiated ATT MTU − 3). */
  maxFrameBytes: number;
}

/**
 * Encode the meter information value (16 bytes).
 * @param info - PAN, key revision, key change pending, firmware version, largest frame
 * @throws HydroSyncError `FORMAT` / `CHECK_DIGIT` for the PAN, `RANGE` for a field out of range.
 */
export function encodeMeterInfo(info: Omit<MeterInfo, 'protocolVersion'>): Uint8Array {
  if (typeof info !== 'object' || info === null) fail('FORMAT', 'the meter information must be an object { pan, keyRevisionNumber, keyChangePending, firmwareVersion, maxFrameBytes }');
  const pan = parseMeterPan(info.pan).pan;
  const fw = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(String(info.firmwareVersion));
  if (!fw || fw.slice(1).some((x) => Number(x) > 255)) fail('RANGE', `a firmware version is major.minor.patch, each 0..255; got ${JSON.stringify(info.firmwareVersion)}`);
  if (!Number.isSafeInteger(info.keyRevisionNumber) || info.keyRevisionNumber < 1 || info.keyRevisionNumber > 9) fail('RANGE', `key revision must be 1..9; got ${info.keyRevisionNumber}`);
  if (!Number.isSafeInteger(info.maxFrameBytes) || info.maxFrameBytes < 20 || info.maxFrameBytes > 0xffff) fail('RANGE', `the largest frame must be 20..65535 bytes; got ${info.maxFrameBytes}`);
  const b = new Uint8Array(METER_INFO_BYTES);
  const v = new DataView(b.buffer);
  b[0] = LINK_PROTOCOL_VERSION;
  v.setBigUint64(1, BigInt(pan));
  b[9] = info.keyRevisionNumber;
  b[10] = info.keyChangePending ? 1 : 0;
  b[11] = Number(fw[1]);
  b[12] = Number(fw[2]);
  b[13] = Number(fw[3]);
  v.setUint16(14, info.maxFrameBytes);
  return b;
}

/**
 * Read the meter information value.
 * @param b - the 16 bytes read from the info characteristic
 * @throws HydroSyncError `FORMAT` wrong length, an unknown protocol version, a PAN that is not 18
 *   digits with a valid check digit; `RANGE` a field out of range.
 */
export function decodeMeterInfo(b: Uint8Array): MeterInfo {
  if (!(b instanceof Uint8Array) || b.length !== METER_INFO_BYTES) fail('FORMAT', `the meter information is ${METER_INFO_BYTES} bytes; got ${b instanceof Uint8Array ? b.length : 'no bytes'}`);
  if (b[0] !== LINK_PROTOCOL_VERSION) fail('FORMAT', `the meter speaks link protocol version ${b[0]}; this version of hydrosync speaks ${LINK_PROTOCOL_VERSION}`);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const panValue = v.getBigUint64(1);
  if (panValue >= 10n ** 18n) fail('FORMAT', 'the meter information\'s MeterPAN is not an 18-digit number');
  const pan = parseMeterPan(panValue.toString().padStart(18, '0')).pan;
  if (b[9] < 1 || b[9] > 9) fail('RANGE', `the meter information's key revision ${b[9]} is outside 1..9`);
  if ((b[10] & 0xfe) !== 0) fail('FORMAT', 'the meter information\'s flag bits 1..7 are reserved and must be zero');
  const maxFrameBytes = v.getUint16(14);
  if (maxFrameBytes < 20) fail('RANGE', `the meter's largest frame (${maxFrameBytes} bytes) is below the 20 bytes every link has`);
  return { protocolVersion: b[0], pan, keyRevisionNumber: b[9], keyChangePending: (b[10] & 1) === 1, firmwareVersion: `${b[11]}.${b[12]}.${b[13]}`, maxFrameBytes };
}
