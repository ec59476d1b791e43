import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CommandRunner } from '../../libs/event-store/index.js';
import type { Clock } from '../../libs/kernel/index.js';
import { ImportError, type TreatyCatalog } from '../../libs/treaty-status/index.js';
import { ConfigError, loadConfig } from '../../libs/platform/config/config.js';
import { EmbeddedPersistenceModule } from '../../libs/platform/runtime/embedded.module.js';
import { importStatesFiles } from '../../libs/platform/runtime/seed.js';
import { CLOCK, TREATIES } from '../../libs/platform/runtime/tokens.js';

const USAGE = `Usage: demarche <command> [options]

Commands:
  import-states FILE [--withdrawals FILE] [--since FILE] [--treaty CCM]
      Load the states reference list and every signature, deposit and withdrawal in FILE
      as dated events. --since names a file (iso3,since) of states that came into being,
      or could first join, after the treaty opened. Safe to run again: what is already
      recorded is not added twice. A bad row stops the import with its line number;
      nothing is written then.

Environment: DEMARCHE_DATA_DIR (default ./data) names the data directory.`;

@Module({})
class CliModule {
  static with(): DynamicModule {
    return { module: CliModule, imports: [EmbeddedPersistenceModule.forRoot(loadConfig())] };
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command !== 'import-states') {
    console.error(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { withdrawals: { type: 'string' }, since: { type: 'string' }, treaty: { type: 'string', default: 'CCM' } } });
  if (positionals.length !== 1) {
    console.error(`import-states takes exactly one states file.\n\n${USAGE}`);
    return 2;
  }
  const app = await NestFactory.createApplicationContext(CliModule.with(), { logger: ['error', 'fatal'] });
  try {
    const treaty = app.get<TreatyCatalog>(TREATIES).get(values.treaty!);
    if (!treaty) {
      console.error(`Demarche does not know the treaty "${values.treaty}"; known: ${app.get<TreatyCatalog>(TREATIES).codes().join(', ')}.`);
      return 2;
    }
    const file = resolve(positionals[0]!);
    const summary = await importStatesFiles(
      app.get(CommandRunner),
      app.get<Clock>(CLOCK),
      treaty,
      file,
      values.withdrawals ? resolve(values.withdrawals) : undefined,
      values.since ? resolve(values.since) : undefined,
    );
    console.log(
      `Imported ${summary.states} states for ${treaty.code}: ${summary.countriesAdded} new in the reference list, ` +
        `${summary.actsAdded} treaty acts recorded, ${summary.actsAlreadyKnown} already known.`,
    );
    return 0;
  } finally {
    await app.close();
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof ImportError || error instanceof ConfigError) {
    console.error(`Import stopped, nothing was written: ${error.message}`);
    process.exitCode = 1;
  } else {
    console.error(`demarche failed: ${(error as Error)?.stack ?? error}`);
    process.exitCode = 1;
  }
}
