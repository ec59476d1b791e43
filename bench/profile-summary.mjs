// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and
// the Demarche functions with the most inclusive time.
//
//   node bench/profile-summary.mjs FILE [N]
//   node bench/profile-summary.mjs FILE [N] --windows=bench/profiles/<run>.windows.json --figure=project --side=ours [--by-package]
//
// --windows keeps only the samples taken during the recorded repetitions of one figure's
// side (the bench writes that file when it runs under --cpu-prof), so that the setup and the
// other side do not dilute the picture; times are then also given per repetition.
// --by-package puts each sample to the library it was in: the innermost frame on its stack
// that belongs to kafkajs, the MongoDB driver, ioredis, BullMQ or a Demarche file (frames of
// Node itself count for the library that called them), or to garbage collection and idle.
import { readFileSync } from 'node:fs';

const options = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => a.replace(/^--/, '').split('=')));
const [file, n = '12'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!file) {
  console.error('Usage: node bench/profile-summary.mjs FILE.cpuprofile [N] [--windows=FILE --figure=NAME --side=ours|raw] [--by-package]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

let windows;
if (options.windows) {
  windows = JSON.parse(readFileSync(options.windows, 'utf8'))
    .filter((w) => (!options.figure || w.figure === options.figure) && (!options.side || w.side === options.side))
    .map((w) => [Number(w.startUs), Number(w.endUs)]);
  if (!windows.length) {
    console.error(`No repetitions of figure ${options.figure ?? '(any)'}, side ${options.side ?? '(any)'} in ${options.windows}.`);
    process.exit(1);
  }
}
const inWindow = (t) => windows.some(([a, b]) => t >= a && t <= b);

const dt = new Map();
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  const delta = profile.timeDeltas[i] ?? 0;
  at += delta;
  if (windows && !inWindow(at)) return;
  dt.set(id, (dt.get(id) ?? 0) + delta);
});
const total = [...dt.values()].reduce((a, b) => a + b, 0);
const label = (node) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(dist|node_modules)\//, '$1/')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};
const self = new Map();
const inclusive = new Map();
for (const [id, t] of dt) {
  const l = label(nodes.get(id));
  self.set(l, (self.get(l) ?? 0) + t);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const name = label(nodes.get(cur));
    if (seen.has(name)) continue;
    seen.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + t);
  }
}
const pct = (t) => `${((100 * t) / total).toFixed(1)}%`;
const perRepetition = (t) => (windows ? `  ${(t / 1000 / windows.length).toFixed(1).padStart(7)} ms` : '');
const scope = windows ? `, ${windows.length} repetitions of ${options.figure ?? 'any figure'} (${options.side ?? 'both sides'}), ${(total / 1000 / windows.length).toFixed(0)} ms each` : '';
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled${scope}`);

if ('by-package' in options) {
  const PACKAGES = [
    [/node_modules\/kafkajs\//, 'kafkajs'],
    [/node_modules\/(mongodb|bson|mongoose)\//, 'MongoDB driver (mongodb, bson, mongoose)'],
    [/node_modules\/(ioredis|redis-parser)\//, 'ioredis'],
    [/node_modules\/bullmq\//, 'bullmq'],
  ];
  const packageOf = (node) => {
    const { functionName, url } = node.callFrame;
    if (functionName === '(garbage collector)') return 'garbage collection';
    if (functionName === '(idle)') return 'idle (waiting for I/O)';
    const known = PACKAGES.find(([re]) => re.test(url));
    if (known) return known[1];
    const demarche = /dist\/(libs|apps)\/(.+)\.js$/.exec(url);
    return demarche ? `Demarche ${demarche[2]}` : undefined;
  };
  const packages = new Map();
  for (const [id, t] of dt) {
    let name;
    for (let cur = id; cur !== undefined && !name; cur = parent.get(cur)) name = packageOf(nodes.get(cur));
    name ??= 'other (Node, the bench)';
    packages.set(name, (packages.get(name) ?? 0) + t);
  }
  console.log('\nby package:');
  for (const [l, t] of [...packages].sort((a, b) => b[1] - a[1])) console.log(`  ${pct(t).padStart(6)}${perRepetition(t)}  ${l}`);
}
console.log('\nself time:');
for (const [l, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`  ${pct(t).padStart(6)}${perRepetition(t)}  ${l}`);
console.log('\ninclusive time, Demarche code:');
for (const [l, t] of [...inclusive].filter(([l]) => l.includes('dist/libs')).sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`  ${pct(t).padStart(6)}${perRepetition(t)}  ${l}`);
