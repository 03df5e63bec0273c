/** What an issuing route answers: the tokens and what they carry (the module's Issued, without internals). */
import Type from 'typebox';
import { PendingKeyChange } from './meter-state';

const KeyAttributes = Type.Object({
  vendingKeyId: Type.String(), supplyGroupCode: Type.String(), tariffIndex: Type.String(), keyRevisionNumber: Type.Integer(),
  keyType: Type.Integer(), keyExpiryNumber: Type.Integer(), baseDate: Type.Integer(), encryptionAlgorithm: Type.String(),
});

/** What the money bought through the block tariff, block by block. */
export const TariffBreakdown = Type.Object({
  group: Type.String(), monthToDateLitres: Type.Integer(), paidRupiah: Type.Integer(), chargedRupiah: Type.Integer(), changeRupiah: Type.Integer(),
  lines: Type.Array(Type.Object({
    fromCubicMetres: Type.String(), toCubicMetres: Type.Union([Type.String(), Type.Null()]), rupiahPerCubicMetre: Type.Integer(),
    litres: Type.Integer(), rupiah: Type.Integer(),
  })),
});

export const Issued = Type.Object({
  requestId: Type.String({ description: 'the purchase or request id the client chose' }),
  transactionId: Type.String({ description: 'the security module transaction id: <vending point>:<request id>' }),
  reissued: Type.Boolean({ description: 'true when this id was seen before: the same tokens again, nothing sold twice' }),
  pan: Type.String(),
  kind: Type.String(),
  tokens: Type.Array(Type.String({ pattern: '^[0-9]{20}$' })),
  grouped: Type.Array(Type.String()),
  tid: Type.Optional(Type.Integer()),
  tidDateTime: Type.Optional(Type.String()),
  keyRevisionNumber: Type.Integer(),
  requested: Type.Optional(Type.String()),
  encoded: Type.Optional(Type.String()),
  creditedLitres: Type.Optional(Type.Integer()),
  tariff: Type.Optional(TariffBreakdown),
  keyChange: Type.Optional(Type.Object({ from: KeyAttributes, to: KeyAttributes, rollover: Type.Boolean(), tokenCount: Type.Integer() })),
  notes: Type.Optional(Type.Array(Type.String())),
  pendingKeyChange: Type.Optional(PendingKeyChange),
  issuedAt: Type.String(),
}, { $id: 'Issued' });
