// TID rollover: move a meter from base date 2014 to 2035 with a 4-token key change (RO = 1).
// Run after `npm run build`:  node examples/key-change.mjs
import { deriveDecoderKey, generateKeyChange, decodeKeyChange } from '../dist/index.js';

const vk = 'abababababababab949494949494949401234567'; // public test key
const meter = { keyType: 2, tariffIndex: '01', pan: '600727000000000009', encryptionAlgorithm: '11' };
const current = deriveDecoderKey(vk, { ...meter, supplyGroupCode: '201457', keyRevisionNumber: 1, baseDate: 2014 });
const next = deriveDecoderKey(vk, { ...meter, supplyGroupCode: '203557', keyRevisionNumber: 6, baseDate: 2035 });

const tokens = generateKeyChange(current, next); // RO = 1 because the base date changes
tokens.forEach((t, i) => console.log(`KCT ${i + 1}: ${t}`));

// The meter side: any order, decrypted with the current key.
const { change, newKey } = decodeKeyChange([...tokens].reverse(), current);
console.log(change.rollover, change.keyRevisionNumber, change.supplyGroupCode, newKey.baseDate);
