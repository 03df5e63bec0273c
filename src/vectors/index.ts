export { verifyVectors, verifyCase, VECTOR_FORMAT, VECTOR_KINDS, type VerifyOptions, type CaseResult, type FileReport } from './verify';
export { keyFromObject, type KeyObject } from './key-object';
