/**
 * Demo data for `npm start` (`hydrosync serve --demo`): the public STS compliance-test vending key
 * (never for production), one meter derived from it, its customer, a website admin and the
 * customer's account, an admin and an agent API key. Passwords and keys are random for each start
 * and returned once, for the caller to print: the demo exists to be tried.
 */
import { randomBytes } from 'node:crypto';
import type { Hsm } from '../hsm';
import { DEMO_KEY } from '../keys/demo-key';
import { createApiKey } from './api-key';
import { hashSecret } from './password-hash';
import type { ServerStore } from './store/server-store';

export interface DemoData {
  pan: string;
  customerNumber: string;
  /** Website accounts. */
  admin: { username: string; password: string };
  customer: { username: string; password: string };
  /** API keys (`Authorization: Bearer …`). */
  adminKey: string;
  agentKey: string;
}

const OPERATOR = { operator: 'demo' };

/** A password people can type: 16 characters of base64url (96 random bits). */
function demoPassword(): string {
  return randomBytes(12).toString('base64url');
}

/** Fill a fresh store with the demo's key, meter, customer, accounts and API keys. */
export async function seedDemoData(hsm: Hsm, store: ServerStore, now: Date): Promise<DemoData> {
  const { vendingKey, dkga, supplyGroupCode, keyRevisionNumber, baseDate, encryptionAlgorithm, pan } = DEMO_KEY;
  await hsm.importVendingKey({
    id: 'demo-public-test-key', keyHex: vendingKey, dkga, supplyGroupCode, keyRevisionNumber, vendingKeyType: 'unique',
    baseDate, encryptionAlgorithm, activeFrom: '2020-01-01T00:00',
  }, OPERATOR);
  const customerNumber = 'DEMO-0001';
  await hsm.addMeter({ pan, customerReference: customerNumber, supplyGroupCode, keyRevisionNumber, encryptionAlgorithm, baseDate }, OPERATOR);
  const at = now.toISOString();
  await store.insertCustomer({ number: customerNumber, name: 'Siti Rahayu (demo)', phone: '+62 812 0000 0001', email: null, address: 'Jl. Contoh 1, Bandung', createdAt: at, updatedAt: at });
  await store.linkMeter({ pan, customerNumber, linkedAt: at });
  const admin = { username: 'admin', password: demoPassword() };
  const customer = { username: 'siti', password: demoPassword() };
  await store.insertUser({ username: admin.username, role: 'admin', customerNumber: null, passwordHash: await hashSecret(admin.password), createdAt: at, createdBy: 'demo' });
  await store.insertUser({ username: customer.username, role: 'customer', customerNumber, passwordHash: await hashSecret(customer.password), createdAt: at, createdBy: 'demo' });
  const adminKey = await createApiKey({ role: 'admin', vendingPoint: 'office', label: 'demo admin' }, now);
  const agentKey = await createApiKey({ role: 'agent', vendingPoint: 'kiosk-demo', label: 'demo agent (Toko Sari)' }, now);
  await store.insertApiKey(adminKey.row);
  await store.insertApiKey(agentKey.row);
  return { pan, customerNumber, admin, customer, adminKey: adminKey.key, agentKey: agentKey.key };
}

/** The lines `npm start` prints about the demo data. */
export function demoDataLines(d: DemoData, url: string): string[] {
  return [
    'Demo data (a fresh store for this run, deleted when the server stops; the vending key is the PUBLIC STS compliance-test key: never use it in production):',
    `  website            ${url}/   (sign in below; ?lang=en for English)`,
    `  admin sign-in      ${d.admin.username} / ${d.admin.password}`,
    `  customer sign-in   ${d.customer.username} / ${d.customer.password}   (customer ${d.customerNumber}, meter ${d.pan})`,
    `  admin API key      ${d.adminKey}`,
    `  agent API key      ${d.agentKey}   (vending point kiosk-demo)`,
    `  try                curl -s -X POST ${url}/v1/purchases -H "Authorization: Bearer ${d.agentKey}" -H 'Content-Type: application/json' -d '{"purchaseId":"try-1","pan":"${d.pan}","rupiah":"50000"}'`,
    'Stop with Ctrl-C.',
  ];
}
