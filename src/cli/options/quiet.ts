import { Option } from 'commander';

/** --quiet on the commands that issue tokens: only the tokens, for scripts (not with --json). */
export const quietTokensOption = (): Option =>
  new Option('--quiet', 'print only the token(s), grouped, one per line; errors still go to stderr').conflicts('json');
