/**
 * hydrosync/tokens: typed tokens ⇄ 20 digits (generate, decode, describe), issuing credit, and
 * key-change sets. The export list is pinned by spec/exports.test.ts (docs/api.md lists it).
 */
export type * from './types';
export { generateToken, type GenerateOptions } from './generate';
export {
  decodeToken, tryDecodeToken, decodeTokenInto, DecodedToken, decryptTokenBlock,
  type DecodeOptions, type DecodeResult, type DecodeFailure, type DecodeErrorCode,
} from './decode';
export {
  generateKeyChange, keyChangeTokens, assembleKeyChange, decodeKeyChange,
  type KeyChange, type KeyChangeOptions, type KeyChangeProgress,
} from './key-change';
export {
  issueCredit, issueCurrencyCredit,
  type IssueTime, type IssuedToken, type IssuedCredit, type IssuedCurrency, type CreditRequest, type CurrencyRequest,
} from './issue';
export { describeToken, TOKEN_NAMES, type TokenDescription } from './describe';
