// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, and
// the Demarche functions with the most inclusive time. Usage: node bench/profile-summary.mjs FILE [N]
import { readFileSync } from 'node:fs';

const [file, n = '12'] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const parent = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
const dt = new Map();
profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
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
console.log(`${file}: ${(total / 1e6).toFixed(1)} s sampled`);
console.log('\nself time:');
for (const [l, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`  ${pct(t).padStart(6)}  ${l}`);
console.log('\ninclusive time, Demarche code:');
for (const [l, t] of [...inclusive].filter(([l]) => l.includes('dist/libs')).sort((a, b) => b[1] - a[1]).slice(0, Number(n))) console.log(`  ${pct(t).padStart(6)}  ${l}`);
