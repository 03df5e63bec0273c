import { HydroSyncError } from '../errors';
import type { CliIo } from './io';

/** One line, whatever the message holds (commander and some errors span lines). */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Control characters (C0 but tab, DEL, C1) and bidirectional overrides, which a terminal would
 * obey: anything echoed from input (a token typed with an escape sequence) is shown, not executed.
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Text with every terminal control character written as a visible \u escape. */
export function printable(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `CODE: message` for library errors, the bare message for usage errors. */
export function errorText(e: HydroSyncError): string {
  return e.code === 'USAGE' ? e.message : `${e.code}: ${e.message}`;
}

/**
 * State of one CLI run: the io, the exit code so far, warnings already shown, and the key material
 * in play, so that no message can carry it out (belt and braces: key strings are validated before
 * they reach code that could quote them).
 */
export class CliContext {
  readonly io: CliIo;
  exitCode = 0;
  private readonly secrets = new Set<string>();
  private readonly warned = new Set<string>();

  constructor(io: CliIo) {
    this.io = io;
  }

  /** The run's clock (io.now, else the system clock). */
  now(): Date {
    return (this.io.now ?? (() => new Date()))();
  }

  /** A variable of the run's environment, trimmed; undefined when unset or blank. */
  env(name: string): string | undefined {
    const v = this.io.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  /** Write a line to stdout. */
  out(line = ''): void {
    this.io.stdout(`${printable(line)}\n`);
  }

  /** Write one JSON value as one line to stdout. */
  json(value: unknown): void {
    this.io.stdout(`${printable(JSON.stringify(value))}\n`);
  }

  /** `hydrosync: warning: …` on stderr, once per distinct message. */
  warn(message: string): void {
    const text = printable(this.redact(oneLine(message)));
    if (this.warned.has(text)) return;
    this.warned.add(text);
    this.io.stderr(`hydrosync: warning: ${text}\n`);
  }

  /** Set for a `--json` run: errors go to stderr as `{"error":{"code","message"}}`. */
  jsonErrors = false;

  /** `hydrosync: …` on stderr (one line); under --json, `{"error":{"code":…,"message":…}}`. */
  error(message: string, code = 'ERROR'): void {
    const text = printable(this.redact(oneLine(message)));
    if (this.jsonErrors) this.io.stderr(`${printable(JSON.stringify({ error: { code, message: text } }))}\n`);
    else this.io.stderr(`hydrosync: ${text}\n`);
  }

  /** A HydroSyncError as one stderr line: `CODE: message` (usage errors bare), or JSON under --json. */
  errorOf(e: HydroSyncError): void {
    this.error(this.jsonErrors ? e.message : errorText(e), e.code);
  }

  /** Raise the exit code (never lowers it). */
  raise(code: number): void {
    if (code > this.exitCode) this.exitCode = code;
  }

  /** Remember key material (hex) that must never appear in output. */
  addSecret(hex: string): void {
    const h = hex.trim().replace(/^0x/i, '').toLowerCase();
    if (h.length >= 8) this.secrets.add(h);
  }

  /** Remove known key material (and any run of hex digits that starts like it) from a message. */
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) {
      const probe = s.slice(0, 12).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      out = out.replace(new RegExp(`[0-9a-f]*${probe}[0-9a-f]*`, 'gi'), '[redacted]');
    }
    return out;
  }
}
