import { Option } from 'commander';
import { checkKeyId } from '../../hsm/registry';

/**
 * A vending key id in the store, checked by the module's own rule (1 to 64 of A-Z a-z 0-9 . _ -)
 * while the command line is read: a bad id is refused before the store is opened.
 */
export const vendingKeyIdOption = (flags: string, description: string): Option =>
  new Option(flags, description).argParser((v) => checkKeyId(v.trim()));
