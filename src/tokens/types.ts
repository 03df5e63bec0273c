/**
 * The typed token model: one variant per token kind of IEC 62055-41 §6.2/§6.3, discriminated by
 * `kind`. Field values are the raw field values carried in the token (e.g. `amount` is the 16-bit
 * TransferAmount code, not litres); see the codec for unit conversions.
 */

/** Class 0, subclasses 0–3: TransferCredit with a 16-bit TransferAmount (§6.3.6). Water is subclass 1, 0.1 m³ per unit. */
export interface TransferCreditToken {
  kind: 'transferCredit';
  class: 0;
  /** 0 electricity (0.1 kWh), 1 water (0.1 m³), 2 gas (0.1 m³), 3 time (0.1 min). */
  subclass: 0 | 1 | 2 | 3;
  fields: { rnd: number; tid: number; amount: number };
}

/** Class 0, subclasses 4–7: TransferCredit in currency, 20-bit amount (sign, exponent, mantissa), no RND, CRC_C. */
export interface TransferCurrencyToken {
  kind: 'transferCurrency';
  class: 0;
  /** 4 electricity, 5 water, 6 gas, 7 time — all in 0.00001 currency units. */
  subclass: 4 | 5 | 6 | 7;
  fields: { tid: number; currencyAmount: number };
}

/** Class 1: InitiateMeterTest/Display, not encrypted. Sub 0: 36-bit control + 2-digit MfrCode; sub 1: 28-bit control + 4-digit MfrCode. */
export interface MeterTestToken {
  kind: 'meterTest';
  class: 1;
  subclass: 0 | 1;
  fields: { control: number; manufacturerCode: number };
}

interface Class2Tid<K extends string, S extends number, F extends string> {
  kind: K;
  class: 2;
  subclass: S;
  fields: { rnd: number; tid: number } & Record<F, number>;
}

/** Class 2 sub 0: SetMaximumPowerLimit (field coded like TransferAmount, in watts). */
export type SetMaximumPowerLimitToken = Class2Tid<'setMaximumPowerLimit', 0, 'maximumPowerLimit'>;
/** Class 2 sub 1: ClearCredit; register 0 elec, 1 water, 2 gas, 3 time, 4–7 currency registers, 0xFFFF all. */
export type ClearCreditToken = Class2Tid<'clearCredit', 1, 'register'>;
/** Class 2 sub 2: SetTariffRate. The 16-bit rate field is reserved by the STS Association; carried raw. */
export type SetTariffRateToken = Class2Tid<'setTariffRate', 2, 'rate'>;
/** Class 2 sub 5: ClearTamperCondition (pad = 0). */
export type ClearTamperConditionToken = Class2Tid<'clearTamperCondition', 5, 'pad'>;
/** Class 2 sub 6: SetMaximumPhasePowerUnbalanceLimit (watts, TransferAmount coding). */
export type SetMaximumPhasePowerUnbalanceLimitToken = Class2Tid<'setMaximumPhasePowerUnbalanceLimit', 6, 'maximumPhasePowerUnbalanceLimit'>;
/** Class 2 sub 7: SetWaterMeterFactor. The field is reserved by the STS Association for water; carried raw. */
export type SetWaterMeterFactorToken = Class2Tid<'setWaterMeterFactor', 7, 'waterMeterFactor'>;

/** Class 2 sub 3: Set1stSectionDecoderKey (§6.3.14). KEN high nibble, KRN, RO, 3KCT, KT and NKHO of the NEW key. */
export interface Set1stSectionDecoderKeyToken {
  kind: 'set1stSectionDecoderKey';
  class: 2;
  subclass: 3;
  fields: {
    keyExpiryNumberHigh: number;
    keyRevisionNumber: number;
    rollover: number;
    threeTokenSet: number;
    keyType: number;
    newKeyHigh: number;
  };
}
/** Class 2 sub 4: Set2ndSectionDecoderKey (§6.3.15). KEN low nibble, TI (binary) and NKLO. */
export interface Set2ndSectionDecoderKeyToken {
  kind: 'set2ndSectionDecoderKey';
  class: 2;
  subclass: 4;
  fields: { keyExpiryNumberLow: number; tariffIndex: number; newKeyLow: number };
}
/** Class 2 sub 8, 4-token set (128-bit key): SGC low 12 bits and NKMO2 (key bytes 4–7). */
export interface Set3rdSectionDecoderKeyToken {
  kind: 'set3rdSectionDecoderKey';
  class: 2;
  subclass: 8;
  fields: { supplyGroupCodeLow: number; newKeyMiddle2: number };
}
/** Class 2 sub 8, 3-token set (64-bit key with 3KCT): the 24-bit SGC, bits 35..16 zero. */
export interface SetSupplyGroupCodeToken {
  kind: 'setSupplyGroupCode';
  class: 2;
  subclass: 8;
  fields: { supplyGroupCode: number };
}
/** Class 2 sub 9: Set4thSectionDecoderKey (§6.3.17): SGC high 12 bits and NKMO1 (key bytes 8–11). */
export interface Set4thSectionDecoderKeyToken {
  kind: 'set4thSectionDecoderKey';
  class: 2;
  subclass: 9;
  fields: { supplyGroupCodeHigh: number; newKeyMiddle1: number };
}

export type Token =
  | TransferCreditToken
  | TransferCurrencyToken
  | MeterTestToken
  | SetMaximumPowerLimitToken
  | ClearCreditToken
  | SetTariffRateToken
  | ClearTamperConditionToken
  | SetMaximumPhasePowerUnbalanceLimitToken
  | SetWaterMeterFactorToken
  | Set1stSectionDecoderKeyToken
  | Set2ndSectionDecoderKeyToken
  | Set3rdSectionDecoderKeyToken
  | SetSupplyGroupCodeToken
  | Set4thSectionDecoderKeyToken;

export type TokenKind = Token['kind'];

/** The key-change kinds (class 2 sub 3, 4, 8, 9): they carry no TID. */
export type KeyChangeToken =
  | Set1stSectionDecoderKeyToken
  | Set2ndSectionDecoderKeyToken
  | Set3rdSectionDecoderKeyToken
  | SetSupplyGroupCodeToken
  | Set4thSectionDecoderKeyToken;

/** Token input: `class` may be omitted where the kind implies it. */
export type TokenInput = Token extends infer T ? (T extends Token ? Omit<T, 'class'> & { class?: T['class'] } : never) : never;
