export type * from './types';
export { generateToken, buildBlock, layoutOf, type GenerateOptions } from './generate';
export {
  decodeToken, tryDecodeToken, decodeTokenInto, DecodedToken, decryptTokenBlock,
  type DecodeOptions, type DecodeResult, type DecodeFailure, type DecodeErrorCode,
} from './decode';
export {
  generateKeyChange, keyChangeTokens, assembleKeyChange, decodeKeyChange, baseDateAfter,
  type KeyChange, type KeyChangeOptions, type KeyChangeProgress,
} from './key-change';
export {
  issueCredit, issueCurrencyCredit, resolveTid,
  type IssueTime, type IssuedToken, type IssuedCredit, type IssuedCurrency, type CreditRequest, type CurrencyRequest,
} from './issue';
export { describeToken, TOKEN_NAMES, type TokenDescription } from './describe';
export { LAYOUTS, type Layout, type FieldSpec } from './layout';
