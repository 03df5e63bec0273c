import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { usage } from './exit-codes';

/**
 * The tokens of a text stream, one per line (trimmed; blank lines and lines starting with # are
 * skipped), for `token decode -` and `meter enter -`: any async iterable of string or byte chunks
 * (process.stdin, a Readable, an array in tests). A stream with no token at all is a usage error
 * (exit 2): an empty pipe must not look like success.
 */
export async function* tokenLines(source: AsyncIterable<string | Uint8Array> | undefined): AsyncGenerator<string> {
  if (source === undefined) usage('no standard input to read tokens from');
  let count = 0;
  for await (const line of createInterface({ input: Readable.from(source), crlfDelay: Infinity })) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    count++;
    yield t;
  }
  if (count === 0) usage('no tokens on standard input: give one token per line (blank lines and lines starting with # are skipped)');
}
