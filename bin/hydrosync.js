#!/usr/bin/env node
// The `hydrosync` command: a thin wrapper around the built CLI (dist/cli.js, from src/cli).
import { runCli } from '../dist/cli.js';

process.exitCode = await runCli(process.argv);
