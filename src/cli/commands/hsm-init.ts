import { resolve } from 'node:path';
import type { Command } from 'commander';
import { hexToBytes } from '../../codec/hex';
import { HydroSyncError } from '../../errors';
import { openHsm } from '../../hsm';
import { MASTER_KEY_ENV, MASTER_KEY_FILE_ENV, generateMasterKeyFile } from '../../node/master-key-file';
import { createStore, isStoreUrl, openStoreFile, removeFile, resolveStorePath, storeExists, storeName } from '../../node/store-file';
import type { CliContext } from '../context';
import { usage } from '../exit-codes';
import { type ConfigOptionValues, addConfigOptions, configFromOptions, configLines } from '../hsm-config-options';
import { examples } from '../help-text';
import { type StoreOptionValues, addStoreOptions, masterKeyText } from '../hsm/store-options';

type InitOptions = StoreOptionValues & ConfigOptionValues & { generateMasterKey?: string };

/** `hydrosync hsm init`: create a store sealed with a master key. */
export function registerHsmInit(hsm: Command, ctx: CliContext): void {
  const cmd = hsm
    .command('init')
    .summary('create the security module store (sealed with a master key)')
    .description('Create a new security module store: an SQLite file (mode 0600, in a directory created with mode 0700), or the schema in a PostgreSQL database (--store postgres://…), whose vending keys are wrapped with the master key, with its configuration. Never overwrites a store.')
    .option('--generate-master-key <file>', 'generate a new random master key and write it to FILE (mode 0600; never overwrites); only the path is printed')
    .option('--quiet', 'print only the master key line (when one is generated); errors still go to stderr');
  addConfigOptions(cmd);
  addStoreOptions(cmd)
    .addHelpText('after', `
The master key never goes on the command line: it comes from --master-key-file FILE,
HYDROSYNC_MASTER_KEY_FILE or HYDROSYNC_MASTER_KEY (64 hex digits), or is generated here with
--generate-master-key FILE. Keep it secret and backed up: without it the store is useless.
${examples([
  'hydrosync hsm init --generate-master-key ~/.config/hydrosync/master.key --utc-offset 420',
  'hydrosync hsm init --store /var/lib/pdam/hsm.sqlite --master-key-file /etc/pdam/master.key --tariffs tariffs.json',
])}`)
    .action(async (o: InitOptions & { quiet?: boolean }) => {
      const location = resolveStorePath(o.store, ctx.io.env);
      const config = configFromOptions(ctx, o, { envOffset: true });
      const url = isStoreUrl(location.path);
      if (!url && storeExists(location.path)) {
        throw new HydroSyncError('STORE', `a store already exists at ${location.path}: hsm init never overwrites a store`);
      }
      let hex: string;
      let generated: string | undefined;
      if (o.generateMasterKey !== undefined) {
        // A master key file named elsewhere must be the file generated here (HYDROSYNC_MASTER_KEY_FILE
        // set for the whole session is fine); a master key in the environment never is.
        const target = resolve(o.generateMasterKey);
        const envFile = ctx.io.env[MASTER_KEY_FILE_ENV]?.trim() || undefined;
        const other = o.masterKeyFile !== undefined && resolve(o.masterKeyFile) !== target ? '--master-key-file'
          : o.masterKeyFile === undefined && envFile !== undefined && resolve(envFile) !== target ? MASTER_KEY_FILE_ENV
            : ctx.io.env[MASTER_KEY_ENV]?.trim() ? MASTER_KEY_ENV : undefined;
        if (other !== undefined) usage(`give either --generate-master-key or ${other}, not both (${other === '--master-key-file' ? 'drop one of them' : `unset ${other}, or generate into the file it names`})`);
        hex = generateMasterKeyFile(o.generateMasterKey, ctx.now());
        ctx.addSecret(hex);
        generated = o.generateMasterKey;
      } else {
        const text = masterKeyText(ctx, o);
        if (text === undefined) {
          usage('hsm init needs a master key: --generate-master-key FILE makes one; or give --master-key-file FILE, HYDROSYNC_MASTER_KEY_FILE or HYDROSYNC_MASTER_KEY');
        }
        hex = text.hex;
      }
      try {
        await createStore(location.path, hexToBytes(hex), config, ctx.now());
      } catch (e) {
        if (generated !== undefined) removeFile(generated);
        throw e;
      }
      // Read the configuration back as stored.
      const hsmOpen = await openHsm({ store: await openStoreFile(location.path, { create: false }), masterKey: hexToBytes(hex), clock: () => ctx.now() });
      const stored = await hsmOpen.config();
      await hsmOpen.close();
      if (o.json) return ctx.json({ store: storeName(location.path), ...(generated !== undefined ? { masterKeyFile: generated } : {}), config: stored });
      if (!o.quiet) ctx.out(url ? `Created the security module store in ${storeName(location.path)}.` : `Created the security module store ${location.path} (mode 0600).`);
      if (generated !== undefined) {
        ctx.out(`Wrote a new master key to ${generated} (mode 0600). Keep it secret and backed up: without it the store cannot be opened.`);
      }
      if (o.quiet) return;
      for (const l of configLines(stored)) ctx.out(l);
      ctx.out('Next: hydrosync hsm key import, then hydrosync hsm meter add.');
    });
}
