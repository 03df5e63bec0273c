// Issue a water token for a meter and decode it back, as a vending server and a meter would.
// Run after `npm run build`:  node examples/issue-and-decode.mjs
import { deriveDecoderKey, issueCredit, decodeToken, describeToken } from '../dist/index.js';

// The public STS compliance-test vending key: NEVER use it in production.
const vendingKey = process.env.HYDROSYNC_VENDING_KEY ?? 'abababababababab949494949494949401234567';

const meterKey = deriveDecoderKey(vendingKey, {
  supplyGroupCode: '201457', tariffIndex: '01', keyRevisionNumber: 1, keyType: 2,
  pan: '600727000000000009', baseDate: 2014, encryptionAlgorithm: '11', // DKGA04 + MISTY1
});

// 2.55 m³ requested: the token carries 2.6 m³ (amounts round up in the customer's favour).
const issued = issueCredit(meterKey, { cubicMetres: '2.55', dateTime: '2026-12-01T09:30' /* WIB wall clock */ });
console.log(issued.grouped, `TID ${issued.tid} (${issued.dateTime}), ${issued.creditedLitres} L`);

const token = decodeToken(issued.token, meterKey);
console.log(describeToken(token, meterKey));
