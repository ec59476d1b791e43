// The results section's account of `--system-profile` runs: CPU by process for each figure's
// profiled repetitions, and the hottest functions where a server used more than Demarche.
import { ROLES } from './perf-recording.mjs';
import { round } from './lib.mjs';

const FIGURE_NAMES = {
  batchedAppend: 'batched append',
  commands: 'commands',
  replay: 'replay',
  rebuild: 'rebuild',
  publish: 'publish',
  project: 'project',
  followUps: 'follow-up jobs',
  lag: 'end-to-end lag',
  embeddedAppend: 'embedded append',
};
const ROLE_NAMES = { ferretdb: 'FerretDB', postgres: 'PostgreSQL', kafka: 'Kafka', redis: 'Redis', app: 'app', bench: 'bench', perf: 'perf', other: 'other', idle: 'idle' };

/** A symbol short enough for a line of prose: Go's package paths and C++'s namespaces cut. */
function shortSymbol(sym) {
  const head = sym.split(/[ (]/, 1)[0];
  const cut = head.lastIndexOf('/');
  let name = cut >= 0 ? sym.slice(cut + 1) : sym;
  name = name.replace(/^v8::internal::/, 'v8::').replace(/^JS:[*~^+-]?/, '').replace(/ dist\/\S*\/([^/]+)$/, ' $1');
  return name.length > 60 ? `${name.slice(0, 57)}...` : name;
}

/**
 * The Markdown of a run's system profiles (`--system-profile`): CPU by role per figure and
 * side, and, where the servers used more of the machine than Demarche's processes, their
 * hottest symbols. Empty when the run took none.
 */
export function renderSystemProfiles(r) {
  const profiles = r.systemProfiles;
  if (!profiles || !Object.keys(profiles).length) return [];
  const cores = r.machine?.cores ?? '?';
  const order = Object.keys(FIGURE_NAMES).filter((f) => profiles[f]).concat(Object.keys(profiles).filter((f) => !FIGURE_NAMES[f]));
  const lines = [
    '',
    `CPU during one repetition, % of ${cores === 2 ? 'both' : `the ${cores}`} cores (\`--system-profile\`: \`perf record -a\` of the middle repetition of each side; ` +
      'app = the Demarche process the bench started, bench = the bench itself with the in-process Demarche code, other = anything else, idle = what no process used):',
    '',
    `| figure | side | that repetition | ${ROLES.map((x) => ROLE_NAMES[x]).join(' | ')} |`,
    `|---|---|---|${ROLES.map(() => '---:').join('|')}|`,
  ];
  const notes = [];
  for (const figure of order) {
    for (const side of ['ours', 'raw']) {
      const p = profiles[figure][side];
      if (!p) continue;
      const measured = p.rate !== undefined ? `${p.rate >= 1e4 ? `${(p.rate / 1e3).toFixed(1)}k` : Math.round(p.rate)}/s` : p.p99Ms !== undefined ? `p99 ${Math.round(p.p99Ms)} ms` : '';
      lines.push(`| ${FIGURE_NAMES[figure] ?? figure} | ${side} | ${measured} (${p.seconds} s) | ${ROLES.map((x) => p.byRole[x] ?? 0).join(' | ')} |`);
    }
    const ours = profiles[figure].ours;
    if (!ours) continue;
    const servers = (ours.byRole.ferretdb ?? 0) + (ours.byRole.postgres ?? 0);
    const node = (ours.byRole.app ?? 0) + (ours.byRole.bench ?? 0);
    const hottest = (role, n) => {
      const list = (ours.top?.[role] ?? []).slice(0, n).map((s) => `\`${shortSymbol(s.sym)}\` ${s.pct}%`).join(', ');
      const kernel = ours.kernelPct?.[role];
      return list ? `${kernel !== undefined ? `(${kernel}% in the kernel) ` : ''}${list}` : 'n/a';
    };
    const name = FIGURE_NAMES[figure] ?? figure;
    const used = servers + node + (ours.byRole.kafka ?? 0) + (ours.byRole.redis ?? 0);
    if (used < 25) {
      notes.push(`- **${name}** (ours): the servers and Demarche used ${round(used)}% of the machine together (idle ${ours.byRole.idle}%, other ${ours.byRole.other}%): the repetition mostly waited.`);
    } else if (servers > node) {
      const list = (xs, key, n) => (xs ?? []).slice(0, n).map((x) => `${x[key]} ${x.pct}%`).join(', ');
      const commands = list(ours.ferretdbCommands, 'command', 3);
      const work = list(ours.ferretdbWork, 'work', 3);
      const ferret = (ours.top?.ferretdb ?? []).slice(0, 3).map((s) => `\`${shortSymbol(s.sym)}\` ${s.pct}%`).join(', ');
      notes.push(`- **${name}** (ours): FerretDB by command ${commands || 'n/a'}; in ${work || 'n/a'}; hottest ${ferret || 'n/a'}. PostgreSQL ${hottest('postgres', 4)}.`);
    } else {
      const role = (ours.byRole.app ?? 0) >= (ours.byRole.bench ?? 0) ? 'app' : 'bench';
      const thread = ours.busiestThread?.[role];
      const d = ours.demarche?.[role];
      // The bench process runs every figure, and V8 reuses the addresses of code it dropped: its
      // JIT map then names frames after functions of earlier figures (BullMQ in the SQLite
      // append, seen), so its JavaScript is not named here; the app lives for two figures only.
      const code = role === 'bench'
        ? 'its JavaScript not named (the bench process runs every figure and V8 reuses code addresses, so the names perf gives it are not reliable); '
        : d?.top.length
          ? `Demarche's code on the stack in ${d.pct}% of it (${d.top.slice(0, 3).map((s) => `\`${shortSymbol(s.sym)}\` ${s.pct}%`).join(', ')}); `
          : 'its JavaScript unnamed (no JIT map); ';
      notes.push(`- **${name}** (ours): more CPU in Demarche's process than in FerretDB and PostgreSQL` +
        `${thread ? ` (its busiest thread ${thread.pctOfCore}% of a core)` : ''}; ${role}: ${code}hottest ${hottest(role, 3)}.`);
    }
    const shared = ['ours', 'raw'].flatMap((side) => {
      const byComm = new Map();
      for (const o of profiles[figure][side]?.otherTop ?? []) byComm.set(o.comm, (byComm.get(o.comm) ?? 0) + o.pct);
      return [...byComm].filter(([, pct]) => pct >= 5).map(([comm, pct]) => `${side} ${comm} ${round(pct)}%`);
    });
    if (shared.length) notes.push(`  Shared the machine with processes the bench did not start: ${shared.join(', ')} (what they asked of the servers is in the servers' shares).`);
  }
  if (notes.length) lines.push('', 'Hottest symbols (self, % of that process\'s CPU) of the ours side, in the servers where they used more CPU than Demarche, else in Demarche\'s process (full reports in `bench/profiles/<run>/`):', '', ...notes);
  return lines;
}
