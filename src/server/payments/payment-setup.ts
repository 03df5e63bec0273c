/**
 * How `hydrosync serve` takes payments: a Midtrans-shaped gateway from the environment
 * (HYDROSYNC_PAYMENT_API_URL, HYDROSYNC_PAYMENT_SNAP_URL, HYDROSYNC_PAYMENT_SERVER_KEY), or the
 * local payment simulator in the same process (`--payment-simulator`, and `--demo`), with a random
 * server key and its notifications sent to this server. Without either, the payment routes answer 503.
 */
import { randomBytes } from 'node:crypto';
import { HydroSyncError } from '../../errors';
import { PaymentSimulator } from '../payment-simulator/payment-simulator';
import type { PaymentOptions } from '../routes/payments';
import { MidtransGateway } from './midtrans-gateway';

export const PAYMENT_API_URL_ENV = 'HYDROSYNC_PAYMENT_API_URL';
export const PAYMENT_SNAP_URL_ENV = 'HYDROSYNC_PAYMENT_SNAP_URL';
export const PAYMENT_SERVER_KEY_ENV = 'HYDROSYNC_PAYMENT_SERVER_KEY';

export interface PaymentSetup {
  options: PaymentOptions | undefined;
  /** A line for people: where payments go (never the server key). */
  description: string;
  /** Once the server listens at `url`: where the simulator sends its notifications. */
  listening(url: string): void;
  close(): Promise<void>;
}

/**
 * @throws HydroSyncError USAGE when only one of the gateway's URL and server key is set, or the URL is not http(s).
 */
export async function setUpPayments(o: { simulator: boolean; env: Record<string, string | undefined>; secret?: (text: string) => void }): Promise<PaymentSetup> {
  if (o.simulator) {
    const serverKey = `SIM-server-${randomBytes(16).toString('hex')}`;
    o.secret?.(serverKey);
    const sim = await PaymentSimulator.start({ serverKey });
    return {
      options: { gateway: new MidtransGateway({ apiBaseUrl: sim.url, serverKey }) },
      description: `Payments: the local payment simulator on ${sim.url} (pay pages ${sim.url}/pay/…; nothing real is charged)`,
      listening: (url) => { sim.callbackUrl = `${url}/v1/payments/notifications`; },
      close: () => sim.close(),
    };
  }
  const api = o.env[PAYMENT_API_URL_ENV] || undefined;
  const key = o.env[PAYMENT_SERVER_KEY_ENV] || undefined;
  if (api === undefined && key === undefined) {
    return { options: undefined, description: `Payments: off (set ${PAYMENT_API_URL_ENV} and ${PAYMENT_SERVER_KEY_ENV}, or start with --payment-simulator)`, listening: () => {}, close: async () => {} };
  }
  if (api === undefined || key === undefined) throw new HydroSyncError('USAGE', `payments need both ${PAYMENT_API_URL_ENV} and ${PAYMENT_SERVER_KEY_ENV}; only one is set`);
  const snap = o.env[PAYMENT_SNAP_URL_ENV] || undefined;
  for (const [name, url] of [[PAYMENT_API_URL_ENV, api], [PAYMENT_SNAP_URL_ENV, snap]] as const) {
    if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(url)) throw new HydroSyncError('USAGE', `${name} must be an http(s) URL; got ${JSON.stringify(url.slice(0, 80))}`);
  }
  o.secret?.(key);
  return {
    options: { gateway: new MidtransGateway({ apiBaseUrl: api, ...(snap !== undefined ? { snapBaseUrl: snap } : {}), serverKey: key }) },
    description: `Payments: the Midtrans-shaped gateway at ${new URL(api).origin}; notifications to <this server>/v1/payments/notifications`,
    listening: () => {}, close: async () => {},
  };
}
