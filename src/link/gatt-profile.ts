/**
 * The HydroSync meter GATT profile (docs/bluetooth.md): one primary service and four
 * characteristics, each with a random (version 4) 128-bit UUID of our own, fixed once.
 * Lower-case, as Web Bluetooth's `BluetoothUUID.canonicalUUID` and `getCharacteristic` use them.
 */

/** The primary service every HydroSync meter advertises. */
export const METER_SERVICE_UUID = '18d11c83-6f02-485c-bfe4-6d6943330d0d';

/** The characteristics of the meter service: UUID and the GATT properties they have. */
export const METER_CHARACTERISTICS = Object.freeze({
  /** Meter information (read): protocol version, MeterPAN, key revision, firmware version, largest frame. */
  info: 'bd448700-357b-4a76-b4de-2680b0ebb0c2',
  /** Commands from the phone (write with response): token submission, "what happened to message N", report request. */
  command: 'd8c11edd-866c-4ac3-a280-8cf290976531',
  /** Results (notify): the meter's answer to a token submission or a query. */
  result: 'f07e3c95-320b-46ab-840f-cb713118e62f',
  /** Reports (read: the last report made, 50 bytes; notify: a report asked for, in frames). */
  report: '7012a2c0-694d-4030-9ed1-661bc5b77ae2',
} as const);

/** The name of one characteristic of the meter service. */
export type MeterCharacteristic = keyof typeof METER_CHARACTERISTICS;

/** The ATT MTU every connection starts with (Core Specification Vol 3 Part F §3.2.8): 23 bytes. */
export const ATT_DEFAULT_MTU = 23;
/** ATT header of a Write Request or Handle Value Notification: opcode (1) + handle (2). */
export const ATT_WRITE_HEADER_BYTES = 3;
