/**
 * The transport interfaces of the link (docs/bluetooth.md, "Transports"). They are GATT-shaped so
 * that every transport maps onto them one to one:
 *
 * | LinkTransport (phone, GATT client)  | Web Bluetooth                                            |
 * |-------------------------------------|----------------------------------------------------------|
 * | connect()                           | device.gatt.connect(), getPrimaryService(METER_SERVICE_UUID) |
 * | disconnect()                        | device.gatt.disconnect()                                 |
 * | read(uuid)                          | characteristic.readValue()                               |
 * | writeWithResponse(uuid, value)      | characteristic.writeValueWithResponse(value)             |
 * | startNotifications(uuid, listener)  | startNotifications() + 'characteristicvaluechanged'      |
 * | onDisconnect(listener)              | device 'gattserverdisconnected'                          |
 * | mtu                                 | not exposed: 23, or the meter info's largest frame + 3   |
 *
 * The meter (GATT server) side is `GattServer`: a transport calls it for every read and write and
 * gives it a `GattPeer` to notify through. The in-memory pair (memory-link.ts) joins the two.
 */
import { HydroSyncError } from '../errors';

/** The phone's side of a link: a GATT client connected to one meter. */
export interface LinkTransport {
  /** Connect (again) and discover the meter service. Rejects when the meter cannot be reached. */
  connect(): Promise<void>;
  /** Disconnect; pending operations reject. Never rejects itself. */
  disconnect(): Promise<void>;
  /** Whether the link is up. */
  readonly connected: boolean;
  /**
   * The ATT MTU of this connection as this side knows it; 23 when the platform does not say
   * (Web Bluetooth does not). The phone role also uses the meter's own figure (meter info).
   */
  readonly mtu: number;
  /** Read a characteristic's whole value (the stack does the ATT Read Blob requests). */
  read(characteristic: string): Promise<Uint8Array>;
  /** Write with response (ATT Write Request): resolves when the meter acknowledged it, rejects on an ATT error. */
  writeWithResponse(characteristic: string, value: Uint8Array): Promise<void>;
  /**
   * Enable notifications (write the CCCD) and call `listener` for each value. Subscriptions end
   * with the connection: subscribe again after a reconnect. A second call for the same
   * characteristic replaces the listener (a Web Bluetooth adapter removes its old
   * `characteristicvaluechanged` handler), so a value is never delivered twice.
   */
  startNotifications(characteristic: string, listener: (value: Uint8Array) => void): Promise<void>;
  /** Call `listener` whenever the link drops (either side, or the radio). Returns an unsubscribe function. */
  onDisconnect(listener: () => void): () => void;
}

/**
 * A characteristic of the meter service found on connecting, for the GATT transports (Web
 * Bluetooth, noble): LINK when the meter is not connected, USAGE for a UUID outside the service.
 */
export function meterCharacteristic<C>(connected: boolean, found: ReadonlyMap<string, C>, uuid: string): C {
  if (!connected) throw new HydroSyncError('LINK', 'the meter is not connected');
  const c = found.get(uuid);
  if (c === undefined) throw new HydroSyncError('USAGE', `${uuid} is not a characteristic of the HydroSync meter service`);
  return c;
}

/**
 * The disconnect listeners of a transport (LinkTransport.onDisconnect): added, removed by the
 * function `add` returns, and each told once per drop (a listener may unsubscribe while told).
 */
export class DisconnectListeners {
  private listeners: (() => void)[] = [];

  /** Add `listener`; returns its unsubscribe function. */
  add(listener: () => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Tell every listener added so far that the link dropped. */
  notify(): void {
    for (const l of [...this.listeners]) l();
  }
}

/** What a GATT server uses to reach the connected phone. */
export interface GattPeer {
  /** The ATT MTU of the connection (the server side always knows it). */
  readonly mtu: number;
  /** Send a Handle Value Notification (unacknowledged; silently lost when the link is down). */
  notify(characteristic: string, value: Uint8Array): void;
}

/** ATT error codes a GATT server answers a write or read with (Core Specification Vol 3 Part F §3.4.1.1). */
export const ATT_ERROR = Object.freeze({
  /** 0x03 Write Not Permitted. */
  WRITE_NOT_PERMITTED: 0x03,
  /** 0x02 Read Not Permitted. */
  READ_NOT_PERMITTED: 0x02,
  /** 0x0A Attribute Not Found. */
  ATTRIBUTE_NOT_FOUND: 0x0a,
  /** 0x80: application error, ours: the frame failed its length or CRC check; send it again. */
  FRAME_REFUSED: 0x80,
} as const);

/** The meter's side of a link: a GATT server the transport calls. */
export interface GattServer {
  /** A phone connected; notify through `peer` until `disconnected()`. */
  connected(peer: GattPeer): void;
  /** The phone disconnected or the link dropped. */
  disconnected(): void;
  /** A read of a characteristic: its value, or an ATT error code. */
  read(characteristic: string): Uint8Array | number;
  /** A write with response: 0 (success: the Write Response is sent) or an ATT error code. */
  write(characteristic: string, value: Uint8Array): number;
}
