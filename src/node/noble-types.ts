/**
 * The part of @stoprocent/noble 2.x (a BLE central for Node.js) that the link's Node adapter uses,
 * declared here so that hydrosync type-checks and builds without the package installed: it is an
 * optional peer dependency with a native part, never installed by `npm ci`.
 * noble writes UUIDs as 32 lowercase hex digits without dashes.
 */

/** The central (the module's default export). */
export interface NobleCentral {
  readonly state: string;
  waitForPoweredOnAsync(timeoutMs?: number): Promise<void>;
  startScanningAsync(serviceUuids?: string[], allowDuplicates?: boolean): Promise<void>;
  stopScanningAsync(): Promise<void>;
  on(event: 'discover', listener: (peripheral: NoblePeripheral) => void): unknown;
  removeListener(event: 'discover', listener: (peripheral: NoblePeripheral) => void): unknown;
}

/** A peripheral found by a scan. */
export interface NoblePeripheral {
  readonly id: string;
  readonly address: string;
  readonly state: string;
  /** The negotiated ATT MTU once connected (null before). */
  readonly mtu: number | null;
  readonly advertisement: { localName?: string; serviceUuids?: string[] };
  connectAsync(): Promise<void>;
  disconnectAsync(): Promise<void>;
  discoverSomeServicesAndCharacteristicsAsync(serviceUuids: string[], characteristicUuids: string[]): Promise<{ characteristics: NobleCharacteristic[] }>;
  once(event: 'disconnect', listener: () => void): unknown;
  removeListener(event: 'disconnect', listener: () => void): unknown;
}

/** A characteristic of a connected peripheral. */
export interface NobleCharacteristic {
  readonly uuid: string;
  readAsync(): Promise<Uint8Array>;
  writeAsync(data: Uint8Array, withoutResponse: boolean): Promise<void>;
  subscribeAsync(): Promise<void>;
  on(event: 'data', listener: (data: Uint8Array, isNotification: boolean) => void): unknown;
  removeListener(event: 'data', listener: (data: Uint8Array, isNotification: boolean) => void): unknown;
}
