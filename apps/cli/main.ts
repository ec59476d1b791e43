import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { Progress } from './progress.js';
import { USAGE } from './usage.js';
import { RAW_READ_MODEL_STORE, rebuildProjection, type ReadModelStore, type RebuildResult } from '../../libs/projections/index.js';
import { READ_MODEL_PROJECTIONS } from '../runtime/projection-catalog.js';
import { CommandRunner, EVENT_STORE, EventRegistry, exportChunks, PAYLOAD_CODEC, writeDrained, type EventStore, type PayloadCodec } from '../../libs/event-store/index.js';
import { MongoEventStore } from '../../libs/event-store/infrastructure/mongo-event-store.js';
import { describeLogMigration } from '../../libs/event-store/infrastructure/mongo-log-migration.js';
import { DomainError, ImportError, isLocalDate, toLocalDate, type Clock } from '../../libs/kernel/index.js';
import { buildReport, campaignSourcesFromLog, historiesFromLog, renderReportMarkdown, renderWhatIfMarkdown, whatIf } from '../../libs/analysis/index.js';
import { PLAYBOOKS, type PlaybookCatalog } from '../../libs/follow-ups/index.js';
import { readPlaybookFile } from '../../libs/follow-ups/infrastructure/playbook-files.js';
import { importStatesFiles, TREATIES, type TreatyCatalog } from '../../libs/treaty-status/index.js';
import { ConfigError, loadConfig } from '../../libs/platform/config/config.js';
import { demarcheContexts } from '../runtime/contexts.js';
import { CLOCK } from '../../libs/platform/runtime/tokens.js';
import { OutreachImport, type ImportResult } from '../../libs/outreach/index.js';
import { actorOf, roleMay, TokenService, type Principal, type Role } from '../../libs/access/index.js';

@Module({})
class CliModule {
  static with(): DynamicModule {
    return { module: CliModule, imports: demarcheContexts(loadConfig(), { api: false }) };
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const commands: Record<string, (args: string[]) => Promise<number>> = {
    'import-states': importStatesCommand,
    'import-missions': importMissionsCommand,
    'import-outreach': importOutreachCommand,
    report: reportCommand, export: exportCommand, rebuild: rebuildCommand, 'migrate-log': migrateLogCommand, 'what-if': whatIfCommand };
  const run = commands[command];
  if (!run) {
    console.error(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  return run(rest);
}

/** Fails with the usage when an option is malformed. */
class UsageError extends Error {}
/** Fails with a message and no usage: the input was understood but cannot be used. */
class CliError extends Error {}

type Options = Record<string, { type: 'string'; default?: string } | { type: 'boolean' }>;

function parse(args: string[], options: Options): { values: Record<string, string | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { ...options, token: { type: 'string' } } });
    return { values: values as Record<string, string | undefined>, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The token was missing, unknown, expired, revoked, or of a role that may not run the command. */
class AccessRefused extends Error {}

/** Who may run each command: the same roles as the matching endpoints of the API. */
const COMMAND_ROLES: Record<string, readonly Role[]> = {
  'import-states': ['admin'],
  'import-missions': ['admin', 'coordinator'],
  'import-outreach': ['admin', 'coordinator'],
  rebuild: ['admin'],
  'migrate-log': ['admin'],
  report: ['admin', 'analyst'],
  export: ['admin', 'analyst'],
  'what-if': ['admin', 'analyst'],
};

/** Checks the command's token against the same token records and roles as the API. */
async function authenticate(app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>, command: string, token: string | undefined): Promise<Principal> {
  const roles = COMMAND_ROLES[command]!;
  const needs = roles.length > 1 ? `an ${roles.filter((r) => r !== 'admin').join(' or ')} or admin token` : 'an admin token';
  const secret = token ?? process.env.DEMARCHE_TOKEN;
  if (!secret) {
    throw new AccessRefused(
      `demarche ${command} needs ${needs}: set DEMARCHE_TOKEN (or pass --token TOKEN). The first admin token is DEMARCHE_ADMIN_TOKEN or, on the embedded profile, the file admin-token in the data directory; an admin issues the others with POST /v1/tokens.`,
    );
  }
  const result = await app.get(TokenService).authenticate(secret);
  if (!result.ok) throw new AccessRefused(`demarche ${command} was not run: ${result.detail} Check DEMARCHE_TOKEN, or ask an admin for a new token.`);
  const decision = roleMay(result.principal, { kind: 'roles', roles });
  if (!decision.allowed) throw new AccessRefused(`demarche ${command} was not run: token ${result.principal.tokenId} (role ${result.principal.role}) may not run it; it needs ${needs}.`);
  return result.principal;
}

async function withStore<T>(command: string, token: string | undefined, work: (app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>, actor: string, principal: Principal) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(CliModule.with(), { logger: ['error', 'fatal'] });
  try {
    const principal = await authenticate(app, command, token);
    return await work(app, actorOf(principal), principal);
  } finally {
    await app.close();
  }
}

async function reportCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parse(rest, { treaty: { type: 'string', default: 'CCM' }, 'as-of': { type: 'string' }, since: { type: 'string' }, campaign: { type: 'string' }, format: { type: 'string', default: 'markdown' }, out: { type: 'string' } });
  if (positionals.length) throw new UsageError(`report takes no positional arguments (got ${positionals.join(' ')}).`);
  for (const [name, value] of [['--as-of', values['as-of']], ['--since', values.since]] as const) {
    if (value !== undefined && !isLocalDate(value)) throw new UsageError(`${name} must be a calendar date written YYYY-MM-DD, not "${value}".`);
  }
  if (values.format !== 'markdown' && values.format !== 'json') throw new UsageError(`--format must be markdown or json, not "${values.format}".`);
  return withStore('report', values.token, async (app) => {
    const treaty = app.get<TreatyCatalog>(TREATIES).require(values.treaty!);
    const asOf = (values['as-of']) ?? toLocalDate(app.get<Clock>(CLOCK).now());
    const since = values.since;
    if (since && since >= asOf) throw new UsageError(`--since (${since}) must be before --as-of (${asOf}).`);
    const store = app.get<EventStore>(EVENT_STORE);
    const report = buildReport(await historiesFromLog(store), await campaignSourcesFromLog(store), treaty.code, asOf, since, values.campaign);
    if (values.campaign && !report.campaigns.length) throw new CliError(`There is no campaign "${values.campaign}" of ${treaty.code} started by ${asOf}.`);
    const text = values.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderReportMarkdown(report);
    if (values.out) {
      writeFileSync(resolve(values.out), text);
      console.error(`Wrote the ${treaty.code} report as of ${asOf} to ${values.out}.`);
    } else process.stdout.write(text);
    return 0;
  });
}

async function exportCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parse(rest, { out: { type: 'string' }, type: { type: 'string' }, country: { type: 'string' }, campaign: { type: 'string' } });
  if (positionals.length) throw new UsageError(`export takes no positional arguments (got ${positionals.join(' ')}).`);
  return withStore('export', values.token, async (app) => {
    const store = app.get<EventStore>(EVENT_STORE);
    const registry = app.get(EventRegistry);
    const codec = app.get<PayloadCodec>(PAYLOAD_CODEC);
    const types = values.type?.split(',');
    const unknown = types?.filter((t) => !registry.has(t)) ?? [];
    if (unknown.length) throw new UsageError(`--type: ${unknown.join(', ')} is not an event type of Demarche.`);
    const filters = { ...(types ? { types } : {}), ...(values.country ? { country: values.country } : {}), ...(values.campaign ? { campaignId: values.campaign } : {}) };
    const out: NodeJS.WritableStream = values.out ? createWriteStream(resolve(values.out)) : process.stdout;
    const head = await store.headPosition();
    const progress = new Progress('Exporting', head);
    let written = 0;
    for await (const chunk of exportChunks({ store, registry, codec }, filters, 0, 2000)) {
      await writeDrained(out, chunk.text);
      written += chunk.events;
      progress.update(Math.min(chunk.lastPosition, head), head);
    }
    progress.update(head, head);
    progress.finish();
    if (out !== process.stdout) await new Promise<void>((r) => out.end(() => r()));
    console.error(`Exported ${written} events${values.out ? ` to ${values.out}` : ''}.`);
    return 0;
  });
}

async function rebuildCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parse(rest, { swap: { type: 'boolean' }, 'batch-size': { type: 'string', default: '5000' } });
  const batchSize = Number(values['batch-size']);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) throw new UsageError(`--batch-size must be a whole number from 1 to 100000, not "${values['batch-size']}".`);
  const projection = READ_MODEL_PROJECTIONS.find((p) => p.name === positionals[0]);
  if (positionals.length !== 1 || !projection) {
    throw new UsageError(`rebuild takes one projection: ${READ_MODEL_PROJECTIONS.map((p) => p.name).join(', ')}${positionals[0] ? ` (not "${positionals[0]}")` : ''}.`);
  }
  return withStore('rebuild', values.token, async (app) => {
    const store = app.get<EventStore>(EVENT_STORE);
    const registry = app.get(EventRegistry);
    const progress = new Progress(`Rebuilding ${projection.name}`, await store.headPosition());
    const result = await rebuildProjection(store, app.get<ReadModelStore>(RAW_READ_MODEL_STORE), projection, {
      swap: Boolean(values.swap),
      batchSize,
      upcast: (e) => registry.upcast(e),
      onProgress: (p) => progress.update(p.position, p.head),
    });
    progress.finish();
    console.log(describeRebuild(result));
    return 0;
  });
}

function describeRebuild(r: RebuildResult): string {
  const lines = [
    `${r.projection}: version ${r.rebuiltVersion} ${r.resumedFrom ? `resumed from position ${r.resumedFrom}` : 'built from the start'} (${r.events} events replayed).`,
    r.identical ? `It is identical to the active version ${r.activeVersion}.` : `It differs from the active version ${r.activeVersion}:`,
  ];
  for (const d of r.diff) {
    if (r.identical) break;
    lines.push(`  ${d.collection}: ${d.active} documents active, ${d.rebuilt} rebuilt; only in active: ${d.onlyInActive.join(', ') || 'none'}; only in rebuilt: ${d.onlyInRebuilt.join(', ') || 'none'}; different: ${d.different.join(', ') || 'none'}`);
  }
  lines.push(r.swapped ? `Version ${r.rebuiltVersion} now serves.` : `Version ${r.activeVersion} still serves; run again with --swap to switch.`);
  return lines.join('\n');
}

async function migrateLogCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parse(rest, {});
  if (positionals.length) throw new UsageError(`migrate-log takes no arguments (got ${positionals.join(' ')}).`);
  return withStore('migrate-log', values.token, async (app) => {
    const store = app.get<EventStore>(EVENT_STORE);
    // Nothing has read or written the log yet, so the store's own check at start has not run.
    if (store instanceof MongoEventStore) console.log(describeLogMigration(await store.migrateLog()));
    else console.log('The embedded profile keeps its log in one layout: nothing to do.');
    return 0;
  });
}

async function whatIfCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parse(rest, { playbook: { type: 'string' }, campaign: { type: 'string' }, treaty: { type: 'string' }, format: { type: 'string', default: 'markdown' } });
  if (positionals.length || !values.playbook) throw new UsageError('what-if needs --playbook FILE.');
  if (values.format !== 'markdown' && values.format !== 'json') throw new UsageError(`--format must be markdown or json, not "${values.format}".`);
  const playbook = (() => {
    try {
      return readPlaybookFile(resolve(values.playbook!));
    } catch (error) {
      throw new CliError((error as Error).message);
    }
  })();
  // A playbook is written for one treaty; naming another is a mistake to point out, not to replay.
  if (values.treaty && values.treaty !== playbook.treaty) throw new UsageError(`--treaty ${values.treaty}: the playbook ${values.playbook} is for ${playbook.treaty}.`);
  return withStore('what-if', values.token, async (app) => {
    app.get<TreatyCatalog>(TREATIES).require(playbook.treaty);
    const current = app.get<PlaybookCatalog>(PLAYBOOKS).forTreaty(playbook.treaty);
    if (!current) throw new CliError(`There is no playbook for ${playbook.treaty} to compare with.`);
    const store = app.get<EventStore>(EVENT_STORE);
    const treaties = app.get<TreatyCatalog>(TREATIES);
    const report = await whatIf({ live: store, registry: app.get(EventRegistry), treatyFor: (code) => treaties.get(code), now: app.get<Clock>(CLOCK).now() }, current, playbook, values.campaign);
    process.stdout.write(values.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : renderWhatIfMarkdown(report));
    return 0;
  });
}

/** The spreadsheet import of the console, run on the store the environment selects. */
const outreachImport = (app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>) => app.get(OutreachImport);

function readText(file: string): string {
  try {
    return readFileSync(resolve(file), 'utf8');
  } catch (error) {
    throw new ImportError(`Cannot read ${file}: ${(error as Error).message}`);
  }
}

function describeImport(r: ImportResult, what: string): string {
  const counts = Object.entries(r.rows.reduce<Record<string, number>>((acc, row) => ({ ...acc, [row.kind]: (acc[row.kind] ?? 0) + 1 }), {}))
    .map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`)
    .join(', ');
  if (r.dryRun) return [`${r.file}: ${counts || `no ${what}`}; ${r.added} would be recorded, ${r.alreadyRecorded} are recorded already. Nothing was written (--dry-run).`, ...r.rows.map((row) => `  line ${row.line}: ${row.kind} ${row.country ?? row.missionId} (${row.what}): ${row.outcome}`)].join('\n');
  return `${r.file}: ${counts || `no ${what}`}; ${r.added} recorded, ${r.alreadyRecorded} recorded already (log position ${r.position}).`;
}

async function importMissionsCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parse(rest, { 'dry-run': { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('import-missions takes exactly one CSV file.');
  const file = positionals[0]!;
  const text = readText(file);
  return withStore('import-missions', values.token, async (app, actor) => {
    const progress = new Progress('Registering missions', 0);
    const result = await outreachImport(app).missions(file, text, importMetadata(actor, file, app), { dryRun: Boolean(values['dry-run']), onProgress: (done, total) => progress.update(done, total) });
    if (!result.dryRun) progress.finish();
    console.log(describeImport(result, 'missions'));
    return 0;
  });
}

async function importOutreachCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parse(rest, { campaign: { type: 'string' }, 'dry-run': { type: 'boolean' } });
  if (positionals.length !== 1) throw new UsageError('import-outreach takes exactly one CSV file.');
  const file = positionals[0]!;
  const text = readText(file);
  return withStore('import-outreach', values.token, async (app, actor, principal) => {
    if (principal.role === 'coordinator') {
      if (!values.campaign) throw new AccessRefused(`demarche import-outreach was not run: a coordinator token imports for one of its campaigns; give --campaign (${principal.campaignIds?.join(', ')}).`);
      if (!principal.campaignIds?.includes(values.campaign)) throw new AccessRefused(`demarche import-outreach was not run: token ${principal.tokenId} coordinates ${principal.campaignIds?.join(', ')}, not campaign ${values.campaign}.`);
    }
    const progress = new Progress('Importing outreach', 0);
    const result = await outreachImport(app).outreachFile(file, text, importMetadata(actor, file, app), {
      dryRun: Boolean(values['dry-run']),
      ...(values.campaign ? { campaignId: values.campaign } : {}),
      onProgress: (done, total) => progress.update(done, total),
    });
    if (!result.dryRun) progress.finish();
    console.log(describeImport(result, 'rows'));
    return 0;
  });
}

/** One correlation id for everything an import records. */
function importMetadata(actor: string, file: string, app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>>) {
  const id = `import:${file.split(/[\\/]/).pop()}:${app.get<Clock>(CLOCK).now().toISOString()}`;
  return { actor, correlationId: id, causationId: id };
}

async function importStatesCommand(rest: string[]): Promise<number> {
  const { values, positionals } = parse(rest, { withdrawals: { type: 'string' }, since: { type: 'string' }, declarations: { type: 'string' }, treaty: { type: 'string', default: 'CCM' } });
  if (positionals.length !== 1) throw new UsageError('import-states takes exactly one states file.');
  return withStore('import-states', values.token, async (app, actor) => {
    const treaty = app.get<TreatyCatalog>(TREATIES).require(values.treaty!);
    const file = resolve(positionals[0]!);
    const optional = (path: string | undefined) => (path ? resolve(path) : undefined);
    const files = { states: file, withdrawals: optional(values.withdrawals), universe: optional(values.since), declarations: optional(values.declarations) };
    const summary = await importStatesFiles(app.get(CommandRunner), app.get<Clock>(CLOCK), treaty, files, actor);
    console.log(
      `Imported ${summary.states} states for ${treaty.code}: ${summary.countriesAdded} new in the reference list, ` +
        `${summary.actsAdded} treaty acts recorded, ${summary.actsAlreadyKnown} already known, ${summary.declarationsAdded} declarations recorded.`,
    );
    return 0;
  });
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof AccessRefused) {
    console.error(error.message);
    process.exitCode = 3;
  } else if (error instanceof ImportError) {
    console.error(`Import stopped, nothing was written: ${error.message}`);
    process.exitCode = 1;
  } else if (error instanceof ConfigError || error instanceof DomainError || error instanceof CliError) {
    console.error(error.message);
    process.exitCode = 2;
  } else {
    console.error(`demarche failed: ${(error as Error)?.stack ?? error}`);
    process.exitCode = 1;
  }
}
