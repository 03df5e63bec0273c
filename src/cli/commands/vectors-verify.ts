import type { Command } from 'commander';
import type { StaTables } from '../../cipher/sta-tables';
import { HydroSyncError } from '../../errors';
import { type FileReport, type VerifyOptions, verifyVectors } from '../../vectors/verify';
import { readJsonFile } from '../../node/json-file';
import type { CliContext } from '../context';
import { errorText } from '../context';
import { EXIT } from '../exit-codes';
import { staTablesFromOptions } from '../options/sta-tables';

/** A file's report; `error` when it could not be read or is not a hydrosync-vectors/1 document. */
type FileResult = { file: string } & (FileReport | Omit<FileReport, 'provenance'> & { error: { code: string; message: string } });

/** `hydrosync vectors verify FILE...`: check known-answer vector files against this library. */
export function registerVectorsVerify(vectors: Command, ctx: CliContext): void {
  vectors
    .command('verify')
    .summary('check hydrosync-vectors/1 known-answer files against this library')
    .description('Run every case of each hydrosync-vectors/1 file through the library and report the failing ones.')
    .argument('<file...>', 'vector files (JSON, format hydrosync-vectors/1)')
    .option('--json', 'print a JSON report instead of text')
    .option('--sta-tables <file>', 'STA tables (hydrosync-sta-tables/1) for EA07 cases, also HYDROSYNC_STA_TABLES; registered under their "name" and used for EA07 cases without "tables"')
    .addHelpText('after', `
Output: one line per failing case, "FAIL <file> <id> (<kind>): <message>", then
"<N> passed, <N> failed" over all files. A file that cannot be read or is not a
hydrosync-vectors/1 document is reported on stderr and counts as one failure.
With --json: {"files":[{"file","title","passed","failed","cases":[{"id","kind","ok","message"?}]}],
"passed","failed"}.
Exit status: 0 every case passed; 1 a case failed; 2 a file could not be read or parsed, or a
bad option.

Examples:
  $ hydrosync vectors verify vectors/*.json
  $ hydrosync vectors verify --sta-tables /secure/sta-production.json my-ea07-cases.json
  $ hydrosync vectors verify --json vectors/dev-tokens.json`)
    .action((files: string[], o: { json?: boolean; staTables?: string }) => {
      const tables: StaTables | undefined = staTablesFromOptions(ctx, o.staTables);
      const options: VerifyOptions = tables ? { staTables: { [tables.name]: tables }, defaultStaTables: tables } : {};
      const results: FileResult[] = [];
      for (const file of files) {
        let result: FileResult;
        try {
          result = { file, ...verifyVectors(readJsonFile(file, 'vector file'), options) };
        } catch (e) {
          if (!(e instanceof HydroSyncError)) throw e;
          ctx.raise(EXIT.USAGE);
          ctx.error(`cannot verify ${file}: ${errorText(e)}`);
          result = { file, title: '', passed: 0, failed: 1, cases: [], error: { code: e.code, message: e.message } };
        }
        if (result.failed > 0) ctx.raise(EXIT.FAILED);
        results.push(result);
        if (!o.json) {
          for (const c of result.cases) if (!c.ok) ctx.out(`FAIL ${file} ${c.id} (${c.kind}): ${c.message ?? 'failed'}`);
        }
      }
      const passed = results.reduce((n, r) => n + r.passed, 0);
      const failed = results.reduce((n, r) => n + r.failed, 0);
      if (o.json) ctx.json({ files: results, passed, failed });
      else ctx.out(`${passed} passed, ${failed} failed`);
    });
}
