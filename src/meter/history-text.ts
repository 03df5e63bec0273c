/**
 * The keypad text a meter keeps in its history: what is written must always load. A token
 * (20 digits with any spaces and dashes) is kept as its 20 digits; anything else as printable
 * ASCII (other characters, including terminal escapes, become '?', runs of white space one
 * space), at most HISTORY_TOKEN_MAX characters (a longer text is cut and ends in '...'). Applying it
 * again changes nothing, so a loaded history is the one that was saved.
 */
export const HISTORY_TOKEN_MAX = 64;

const SEPARATORS = /[ -]/g;
const TWENTY_DIGITS = /^[0-9]{20}$/;

export function historyTokenText(input: unknown): string {
  if (typeof input !== 'string') return `(not text: ${typeof input})`;
  const digits = input.replace(SEPARATORS, '');
  if (TWENTY_DIGITS.test(digits)) return digits;
  // Whole code points: a lone surrogate or an astral character becomes one '?'.
  let text = '';
  for (const ch of input.replace(/\s+/g, ' ').trim()) {
    text += ch.length === 1 && ch >= ' ' && ch <= '~' ? ch : '?';
    if (text.length > HISTORY_TOKEN_MAX) break;
  }
  return text.length > HISTORY_TOKEN_MAX ? `${text.slice(0, HISTORY_TOKEN_MAX - 3)}...` : text;
}
