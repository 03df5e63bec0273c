import { usage } from './exit-codes';

/**
 * Lines of a text stream (for `token decode -`): accepts any async iterable of string or byte
 * chunks (process.stdin, a Readable, an array in tests), splits on \n, drops \r.
 */
export async function* inputLines(source: AsyncIterable<string | Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = '';
  for await (const chunk of source) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      yield pending.slice(0, nl).replace(/\r$/, '');
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
    }
  }
  pending += decoder.decode();
  if (pending !== '') yield pending.replace(/\r$/, '');
}

/**
 * The tokens of a text stream, one per line (trimmed; blank lines and lines starting with # are
 * skipped), for `token decode -` and `meter enter -`. A stream with no token at all is a usage
 * error (exit 2): an empty pipe must not look like success.
 */
export async function* tokenLines(source: AsyncIterable<string | Uint8Array> | undefined): AsyncGenerator<string> {
  if (source === undefined) usage('no standard input to read tokens from');
  let count = 0;
  for await (const line of inputLines(source)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    count++;
    yield t;
  }
  if (count === 0) usage('no tokens on standard input: give one token per line (blank lines and lines starting with # are skipped)');
}
