/**
 * The part of the Web Bluetooth API (https://webbluetoothcg.github.io/web-bluetooth/) that the
 * link's browser transport uses, as structural types: the core is checked without the DOM library,
 * and a page can hand in `navigator.bluetooth` or anything shaped like it.
 */

/** A `BufferSource` as Web Bluetooth takes it. */
export type WebBluetoothBytes = ArrayBuffer | ArrayBufferView;

/** `EventTarget`, as far as the transport needs it. */
export interface WebBluetoothEventTarget {
  addEventListener(type: string, listener: (event: { target: unknown }) => void): void;
  removeEventListener(type: string, listener: (event: { target: unknown }) => void): void;
}

/** `navigator.bluetooth`. */
export interface WebBluetoothApi {
  /** Shows the browser's device chooser (needs a user gesture and a secure context). */
  requestDevice(options: WebBluetoothRequestOptions): Promise<WebBluetoothDevice>;
}

/** `RequestDeviceOptions`: filters (a device must match one) and the extra services the page may use. */
export interface WebBluetoothRequestOptions {
  filters?: { services?: string[]; name?: string; namePrefix?: string }[];
  optionalServices?: string[];
  acceptAllDevices?: boolean;
}

/** `BluetoothDevice`: fires `gattserverdisconnected` when the connection ends. */
export interface WebBluetoothDevice extends WebBluetoothEventTarget {
  readonly id: string;
  readonly name?: string | null;
  readonly gatt?: WebBluetoothGattServer | null;
}

/** `BluetoothRemoteGATTServer`. */
export interface WebBluetoothGattServer {
  readonly connected: boolean;
  connect(): Promise<WebBluetoothGattServer>;
  disconnect(): void;
  getPrimaryService(service: string): Promise<WebBluetoothService>;
  /**
   * Proposed (WebBluetoothCG/web-bluetooth pull request 672), not in browsers yet: the largest
   * Write Without Response value, ATT_MTU − 3. Used when present.
   */
  readonly maxWriteWithoutResponseSize?: number;
}

/** `BluetoothRemoteGATTService`. */
export interface WebBluetoothService {
  readonly uuid: string;
  getCharacteristic(characteristic: string): Promise<WebBluetoothCharacteristic>;
}

/** `BluetoothRemoteGATTCharacteristic`: fires `characteristicvaluechanged` for each notification. */
export interface WebBluetoothCharacteristic extends WebBluetoothEventTarget {
  readonly uuid: string;
  /** The last value read or notified. */
  readonly value?: DataView | null;
  readValue(): Promise<DataView>;
  writeValueWithResponse(value: WebBluetoothBytes): Promise<void>;
  startNotifications(): Promise<WebBluetoothCharacteristic>;
}
