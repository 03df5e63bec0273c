/** Meters: registration with their key parameters, and the record as shown. */
import Type from 'typebox';
import { Pan } from './common';

export const Meter = Type.Object({
  pan: Type.String(), customerReference: Type.String(), customerGroup: Type.String(), profile: Type.String(),
  vendingKeyId: Type.String(), supplyGroupCode: Type.String(), tariffIndex: Type.String(), keyRevisionNumber: Type.Integer(),
  keyType: Type.Integer(), keyExpiryNumber: Type.Integer(), baseDate: Type.Integer(), encryptionAlgorithm: Type.String(),
  lastTid: Type.Union([Type.Integer(), Type.Null()]),
  registeredAt: Type.String(),
}, { $id: 'Meter' });

export const MeterRegistration = Type.Object({
  pan: Pan,
  customerReference: Type.String({ minLength: 1, maxLength: 64 }),
  supplyGroupCode: Type.String({ pattern: '^[0-9]{6}$' }),
  keyRevisionNumber: Type.Integer({ minimum: 1, maximum: 9 }),
  encryptionAlgorithm: Type.Union([Type.Literal('07'), Type.Literal('09'), Type.Literal('11')]),
  baseDate: Type.Union([Type.Literal(1993), Type.Literal(2014), Type.Literal(2035)]),
  tariffIndex: Type.Optional(Type.String({ pattern: '^[0-9]{2}$' })),
  keyType: Type.Optional(Type.Integer({ minimum: 0, maximum: 3 })),
  keyExpiryNumber: Type.Optional(Type.Integer({ minimum: 0, maximum: 255 })),
  customerGroup: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  profile: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
  vendingKeyId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
}, { additionalProperties: false });

export const MeterPage = Type.Object({
  items: Type.Array(Type.Ref('Meter')),
  next: Type.Union([Type.String(), Type.Null()], { description: 'pass as ?after= for the next page; null on the last' }),
});

export const MeterListQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
  after: Type.Optional(Type.String({ pattern: '^[0-9]{18}$', description: 'the last PAN of the previous page' })),
  supplyGroupCode: Type.Optional(Type.String({ pattern: '^[0-9]{6}$' })),
}, { additionalProperties: false });
