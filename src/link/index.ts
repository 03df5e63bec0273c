/**
 * hydrosync/link: the Bluetooth Low Energy link between the customer's phone and the meter
 * (docs/bluetooth.md). The GATT profile, the frame codec, the transport interface that the
 * in-memory pair and the Web Bluetooth adapter implement, and the two roles. Core only: no
 * `node:` imports; runs in browsers. The export list is pinned by spec/exports.test.ts.
 */
export { METER_SERVICE_UUID, METER_CHARACTERISTICS, ATT_DEFAULT_MTU, type MeterCharacteristic } from './gatt-profile';
export {
  LINK_PROTOCOL_VERSION, FRAME_OVERHEAD_BYTES, encodeFrames, decodeFrame, frameBytesForMtu,
  type LinkFrame, type FrameProblem, type FrameResult,
} from './frame';
export { Reassembler, type LinkMessage, type ReassemblyStep } from './reassembly';
export { MESSAGE, LINK_STATUS, tokenToBytes, tokenFromBytes, type TokenOutcome, type LinkStatusName } from './messages';
export { METER_INFO_BYTES, encodeMeterInfo, decodeMeterInfo, type MeterInfo } from './meter-info';
export { ATT_ERROR, type LinkTransport, type GattServer, type GattPeer } from './transport';
export { WebBluetoothTransport, requestMeter, type RequestMeterOptions } from './web-bluetooth';
export type { WebBluetoothApi, WebBluetoothDevice, WebBluetoothGattServer, WebBluetoothService, WebBluetoothCharacteristic } from './web-bluetooth-api';
export { VirtualClock, systemClock, type LinkClock } from './link-clock';
export { MemoryLink, type MemoryLinkOptions, type RadioPdu, type LinkFault, type RadioCount } from './memory-link';
export { MeterLinkServer, REMEMBERED_MESSAGES, type MeterLinkServerOptions } from './meter-server';
export { PhoneLinkClient, type PhoneLinkOptions, type UploadResult, type LinkReport } from './phone-client';
export { simulateLinkSession, parseLinkFault, type LinkSessionInput, type LinkSessionResult, type SteppedFault } from './simulation';
