// --system-profile: where the whole machine's CPU goes during one repetition of a figure.
// `perf record -a` samples every CPU (FerretDB, PostgreSQL, Kafka, Redis, the app the bench
// started, the bench itself), so a figure below target can be shown to be limited by a server
// rather than by Demarche's code. One recorded repetition of each side is profiled (the middle
// one; its timing is kept). Needs `perf` and the right to sample the whole system (root, or
// kernel.perf_event_paranoid = -1); without them the bench runs without profiles.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { round, sleep } from './lib.mjs';

/** Resolves after `ms` without keeping the process alive for it. */
const after = (ms, value) => new Promise((resolve) => setTimeout(resolve, ms, value).unref());

const root = fileURLToPath(new URL('..', import.meta.url));
/** The sampling rate, per CPU; 499 rather than 500 so as not to beat with timers of 1 ms or 10 ms. */
const FREQUENCY = 499;
/** Where V8 writes the JIT map of `--perf-basic-prof` and where perf looks for it (fixed by both). */
const JIT_MAP_DIR = '/tmp';
/** The roles a process can have, in the order the tables show them. */
export const ROLES = ['ferretdb', 'postgres', 'kafka', 'redis', 'app', 'bench', 'perf', 'other', 'idle'];
/** A process's role from its name (`comm`), when it is none of the bench's own. */
const ROLE_OF_COMM = { 'demarche-ferret': 'ferretdb', postgres: 'postgres', java: 'kafka', 'redis-server': 'redis', perf: 'perf' };
/** The roles whose hottest functions the summary keeps. */
const TOP_ROLES = ['ferretdb', 'postgres', 'app', 'bench', 'kafka', 'redis'];
const TOP_N = 12;

/** Runs a command to completion; resolves with its stdout, rejects with the first lines of stderr. */
function capture(cmd, args, { maxBuffer = 256 * 2 ** 20 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    let size = 0;
    let err = '';
    child.stdout.on('data', (d) => {
      size += d.length;
      if (size <= maxBuffer) out.push(d);
    });
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(Buffer.concat(out).toString('utf8')) : reject(new Error(`${cmd} ${args[0]} exited ${code}: ${err.trim().split('\n').slice(0, 3).join(' / ')}`))));
  });
}

/** The name (`comm`) of every process now running, by pid. */
function processNames() {
  const names = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      names.set(Number(entry), readFileSync(`/proc/${entry}/comm`, 'utf8').trim());
    } catch {
      // gone meanwhile
    }
  }
  return names;
}

/**
 * `perf record -a` as a child, started with its events off and switched on and off through its
 * control pipe (fd 3 in, fd 4 acks), so the window is exactly the repetition and not perf's own
 * start-up (it reads every process's memory maps first) or its shutdown. Its workload is a `cat`
 * of a pipe from the bench: should the bench die before it stops perf, the pipe closes, `cat`
 * ends and so does perf, instead of recording the machine for ever.
 */
class Recording {
  constructor(file) {
    this.file = file;
    this.stderr = '';
    this.acks = 0;
    this.child = spawn('perf', ['record', '-a', '-g', '-F', String(FREQUENCY), '-e', 'cpu-clock', '-N', '-D', '-1', '--control', 'fd:3,4', '-o', file, '--', 'cat'], {
      stdio: ['pipe', 'ignore', 'pipe', 'pipe', 'pipe'],
    });
    // A perf that is missing or exits at once closes these pipes: that is its exit's business.
    for (const stream of this.child.stdio) stream?.on('error', () => undefined);
    this.child.stderr.on('data', (d) => (this.stderr = (this.stderr + d).slice(-4000)));
    this.child.stdio[4].on('data', (d) => {
      this.acks += (String(d).match(/ack/g) ?? []).length;
      this.onAck?.();
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (error) => resolve({ error }));
      this.child.once('exit', (code, signal) => resolve({ code, signal }));
    });
  }

  get pid() {
    return this.child.pid;
  }

  /** Sends a control command and waits for its ack (or perf's exit, or the timeout). */
  async command(name, timeoutMs) {
    const before = this.acks;
    const acked = new Promise((resolve) => {
      this.onAck = () => this.acks > before && resolve('ack');
    });
    this.child.stdio[3].write(`${name}\n`, () => undefined);
    const outcome = await Promise.race([acked, this.exited.then(() => 'exited'), after(timeoutMs, 'timeout')]);
    this.onAck = undefined;
    if (outcome !== 'ack') {
      const ended = await Promise.race([this.exited, after(0)]);
      // perf's first line of substance ("Error:" stands on a line of its own before it).
      const said = this.stderr.split('\n').map((l) => l.trim().replace(/^Error:\s*/, '')).filter(Boolean);
      const why = ended?.error?.code === 'ENOENT'
        ? 'perf is not installed'
        : ((said.find((l) => /error|not|denied|limited|unknown|invalid|fail/i.test(l)) ?? said[0]) || `no answer to '${name}' within ${timeoutMs} ms`).replace(/\.$/, '');
      this.kill();
      throw new Error(why);
    }
  }

  async start() {
    await this.command('enable', 30_000);
    this.t0 = performance.now();
  }

  /** Stops sampling and waits until perf has written its file; returns the window in seconds. */
  async stop() {
    await this.command('disable', 10_000);
    const seconds = (performance.now() - this.t0) / 1000;
    this.child.kill('SIGINT');
    const ended = await Promise.race([this.exited, after(60_000)]);
    if (!ended) {
      this.kill();
      throw new Error('perf did not exit within 60 s of SIGINT');
    }
    if (!existsSync(this.file)) throw new Error(`perf wrote no file: ${this.stderr.trim().split('\n').pop()}`);
    return seconds;
  }

  kill() {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/**
 * The Go package of a symbol of FerretDB (`github.com/jackc/pgx/v5/pgproto3.(*Frontend).Receive`
 * is `pgproto3`); Go's runtime (the garbage collector, the scheduler) and the kernel as one each.
 */
function goPackage(sym, dso) {
  if (dso === '[kernel.kallsyms]') return 'kernel';
  const path = /^((?:[^/\s(]+\/)*[^/.\s(]+)\./.exec(sym)?.[1];
  if (!path) return sym === '[unknown]' ? '[unknown]' : 'other';
  if (path === 'runtime' || path.startsWith('internal/runtime/')) return 'Go runtime';
  return path;
}

/** The MongoDB command a FerretDB call chain serves (`MsgFind` is `find`), or what else it is. */
function ferretdbCommand(frames) {
  for (const { sym } of frames) {
    const m = /internal\/handler\.\(\*Handler\)\.Msg(\w+?)(?:-fm)?$/.exec(sym);
    if (m) return m[1].charAt(0).toLowerCase() + m[1].slice(1);
  }
  const on = (re) => frames.some((f) => re.test(f.sym));
  if (on(/^runtime\.(gcBgMarkWorker|bgsweep|bgscavenge)/)) return 'GC (background)';
  if (on(/internal\/clientconn\.\(\*conn\)\.run$/)) return 'wire (requests in, replies out)';
  if (on(/^runtime\.(schedule|findRunnable|sysmon|mstart)/)) return 'Go scheduler';
  return 'other';
}

/** Kinds of work a FerretDB call chain is in (several at once, so they overlap). */
const FERRETDB_WORK = [
  ['decode from PostgreSQL (sjson.Unmarshal)', /\/sjson\.Unmarshal$/],
  ['encode for PostgreSQL (sjson.Marshal)', /\/sjson\.Marshal$/],
  ['pgx driver', /^github\.com\/jackc\//],
  ['garbage collection', /^runtime\.(gcBgMarkWorker|gcAssistAlloc|markroot|gcDrain)/],
  ['resource.Track (a pprof stack per object)', /\/resource\.Track$/],
  ['system calls', /^(entry_SYSCALL_64|do_syscall_64)/],
];
function ferretdbWork(frames) {
  return FERRETDB_WORK.filter(([, re]) => frames.some((f) => re.test(f.sym))).map(([name]) => name);
}

/** A symbol as the tables show it: repository-relative paths, the binary when perf found no name. */
function symbolName(sym, dso) {
  // Code V8 compiled, in a process that writes no JIT map (or before it named the function).
  if (sym === '[unknown]' && /^perf-\d+\.map$/.test(basename(dso))) return '[JIT code]';
  let name = sym === '[unknown]' ? `[unknown] (${basename(dso)})` : sym;
  name = name
    .split(`file://${root}`).join('')
    .split(root).join('')
    .replace(/(?:file:\/\/)?\/\S*?\/(dist|node_modules)\//g, '$1/')
    .replace(/^(JS:[*~^+-]?) /, '$1(anonymous) ');
  return name.length > 160 ? `${name.slice(0, 157)}...` : name;
}

export class SystemProfiler {
  /**
   * `appPids()` gives the pids of the Demarche processes the bench started (role `app`); the
   * bench itself is `process.pid`. Any other process is named by its `comm`.
   */
  constructor({ run: runName, log, appPids = () => [], benchPid = process.pid }) {
    this.run = runName;
    this.benchPid = benchPid;
    this.log = log;
    this.appPids = appPids;
    this.enabled = false;
    this.profiles = {};
    this.dir = join(root, 'bench/profiles', runName);
    this.cores = cpus().length;
  }

  /**
   * Records a short empty window to see whether perf can sample the whole system here; if it
   * cannot, says why and what to do in one line, and the bench runs without profiles.
   */
  async check() {
    const file = join(this.dir, 'check.perf.data');
    let recording;
    try {
      mkdirSync(this.dir, { recursive: true });
      recording = new Recording(file);
      await recording.start();
      await sleep(100);
      await recording.stop();
      this.enabled = true;
      const jit = process.execArgv.some((a) => a.startsWith('--perf-basic-prof'));
      this.log(`system profile: perf records one repetition of each side of each figure to ${relative(root, this.dir)}/` +
        (jit ? '' : ' (the bench\'s own JavaScript is named only when it runs under `node --perf-basic-prof-only-functions`)'));
    } catch (error) {
      recording?.kill();
      const paranoid = (() => {
        try {
          return readFileSync('/proc/sys/kernel/perf_event_paranoid', 'utf8').trim();
        } catch {
          return '?';
        }
      })();
      const fix = /not installed/.test(error.message)
        ? 'install perf (the linux-tools package of this kernel)'
        : `run the bench as root or allow system-wide sampling (sysctl kernel.perf_event_paranoid=-1; it is ${paranoid} now)`;
      console.log(`--system-profile: off, perf cannot record the whole system here (${error.message}); ${fix}. The bench runs without profiles.`);
      this.enabled = false;
    } finally {
      rmSync(file, { force: true });
    }
    if (!this.enabled) {
      try {
        rmdirSync(this.dir);
      } catch {
        // not empty, or never made
      }
    }
    return this.enabled;
  }

  /** The wrapper `interleaved` puts around the profiled repetition of `figure`, or undefined. */
  hook(figure) {
    return this.enabled ? (side, fn) => this.record(figure, side, fn) : undefined;
  }

  /**
   * Runs `fn` (one repetition of one side) under `perf record -a`, then summarises the file.
   * A failure of perf is logged and costs only the profile; `fn`'s own result or error is kept.
   */
  async record(figure, side, fn) {
    const base = join(this.dir, `${figure}-${side}`);
    let recording = new Recording(`${base}.perf.data`);
    const known = processNames();
    const apps = new Set(this.appPids());
    try {
      await recording.start();
    } catch (error) {
      this.log(`  system profile of ${figure} (${side}) not taken: ${error.message}`);
      recording = undefined;
    }
    let result;
    try {
      result = await fn();
    } catch (error) {
      recording?.kill();
      throw error;
    }
    if (!recording) return result;
    try {
      const seconds = await recording.stop();
      for (const [pid, name] of processNames()) if (!known.has(pid)) known.set(pid, name);
      for (const pid of this.appPids()) apps.add(pid);
      const summary = await this.summarise({ figure, side, base, seconds, known, apps, perfPid: recording.pid, result });
      (this.profiles[figure] ??= {})[side] = summary;
      this.log(`  system profile of ${figure} (${side}), % of ${this.cores} cores over ${round(seconds)} s: ` +
        ROLES.filter((r) => summary.byRole[r] >= 0.5 || r === 'idle').map((r) => `${r} ${summary.byRole[r]}`).join(', '));
    } catch (error) {
      recording.kill();
      this.log(`  system profile of ${figure} (${side}) lost: ${error.message}`);
    }
    return result;
  }

  /** Shares of the machine by role and the hottest symbols of each role, from one perf file. */
  async summarise({ figure, side, base, seconds, known, apps, perfPid, result }) {
    const data = `${base}.perf.data`;
    // One sample: a line `comm pid/tid period`, then its call chain, a frame a line
    // (`<tab>address symbol (binary)`), the sampled one first.
    const script = await capture('perf', ['script', '-i', data, '-F', 'comm,pid,tid,period,ip,sym,dso']);
    const roleOfPid = new Map();
    const commsOfPid = new Map();
    const samples = [];
    let sample;
    for (const line of script.split('\n')) {
      if (line.startsWith('\t')) {
        const f = /^\s*[0-9a-f]+\s+(.*?)\s+\(([^()]*)\)\s*$/.exec(line);
        if (sample && f) sample.frames.push({ sym: f[1], dso: f[2] });
        continue;
      }
      const m = /^\s*(.*?)\s+(-?\d+)\/(-?\d+)\s+(\d+)\s*$/.exec(line);
      if (!m) continue;
      const [, comm, pidText, tidText, periodText] = m;
      const pid = Number(pidText);
      sample = { pid, tid: Number(tidText), comm, period: Number(periodText), frames: [] };
      samples.push(sample);
      if (!commsOfPid.has(pid)) commsOfPid.set(pid, new Map());
      const comms = commsOfPid.get(pid);
      comms.set(comm, (comms.get(comm) ?? 0) + 1);
    }
    for (const x of samples) Object.assign(x, x.frames[0] ?? { sym: '[unknown]', dso: '[unknown]' });
    const roleOf = (pid) => {
      if (roleOfPid.has(pid)) return roleOfPid.get(pid);
      let role;
      if (pid === 0) role = 'idle';
      else if (pid === this.benchPid) role = 'bench';
      else if (apps.has(pid)) role = 'app';
      else if (pid === perfPid) role = 'perf';
      else {
        // The process's own name: Kafka's and Redis's threads have names of their own.
        const comms = commsOfPid.get(pid);
        const name = known.get(pid) ?? (comms && [...comms].sort((a, b) => b[1] - a[1])[0][0]);
        role = ROLE_OF_COMM[name] ?? (comms?.has('postgres') ? 'postgres' : comms?.has('demarche-ferret') ? 'ferretdb' : 'other');
      }
      roleOfPid.set(pid, role);
      return role;
    };
    // cpu-clock samples a busy CPU every period, an idle one not always (a tickless idle CPU
    // may sleep through its timer), so the machine's time is cores x window and idle is what
    // no process used.
    const periodTotal = samples.reduce((n, s) => n + s.period, 0);
    const capacity = Math.max(this.cores * seconds * 1e9, periodTotal);
    const byRoleNs = Object.fromEntries(ROLES.map((r) => [r, 0]));
    const symbols = Object.fromEntries(TOP_ROLES.map((r) => [r, new Map()]));
    const kernelNs = Object.fromEntries(ROLES.map((r) => [r, 0]));
    const ferretPackages = new Map();
    const ferretCommands = new Map();
    const ferretWork = new Map();
    const demarche = { app: new Map(), bench: new Map() };
    const demarcheAny = { app: 0, bench: 0 };
    const threads = new Map();
    const others = new Map();
    for (const s of samples) {
      const role = roleOf(s.pid);
      byRoleNs[role] += s.period;
      if (role !== 'idle') {
        const thread = threads.get(s.tid) ?? { role, comm: s.comm, ns: 0 };
        thread.ns += s.period;
        threads.set(s.tid, thread);
      }
      // In the kernel on the process's behalf: system calls (the loopback network), page faults.
      if (s.dso === '[kernel.kallsyms]') kernelNs[role] += s.period;
      if (role === 'ferretdb') {
        const pkg = goPackage(s.sym, s.dso);
        ferretPackages.set(pkg, (ferretPackages.get(pkg) ?? 0) + s.period);
        const command = ferretdbCommand(s.frames);
        ferretCommands.set(command, (ferretCommands.get(command) ?? 0) + s.period);
        for (const work of ferretdbWork(s.frames)) ferretWork.set(work, (ferretWork.get(work) ?? 0) + s.period);
      }
      if (role === 'app' || role === 'bench') {
        // Inclusive: each function of Demarche's own code (dist/) once per sample it is on.
        const ours = new Set(s.frames.map((f) => symbolName(f.sym, f.dso)).filter((n) => n.includes('dist/')).map((n) => n.replace(/^JS:[*~^+-]?/, '')));
        if (ours.size) demarcheAny[role] += s.period;
        for (const name of ours) demarche[role].set(name, (demarche[role].get(name) ?? 0) + s.period);
      }
      const table = symbols[role];
      if (table) {
        const name = symbolName(s.sym, s.dso);
        table.set(name, (table.get(name) ?? 0) + s.period);
      }
      if (role === 'other') {
        const key = `${known.get(s.pid) ?? s.comm}\t${s.pid}`;
        others.set(key, (others.get(key) ?? 0) + s.period);
      }
    }
    const busy = ROLES.filter((r) => r !== 'idle').reduce((n, r) => n + byRoleNs[r], 0);
    byRoleNs.idle = capacity - busy;
    const pct = (ns, of = capacity) => round((100 * ns) / of);
    const busiestThread = {};
    for (const [tid, t] of threads) {
      if (!busiestThread[t.role] || t.ns > busiestThread[t.role].ns) busiestThread[t.role] = { tid, comm: t.comm, ns: t.ns };
    }
    const top = {};
    for (const role of TOP_ROLES) {
      if (!byRoleNs[role]) continue;
      top[role] = [...symbols[role]].sort((a, b) => b[1] - a[1]).slice(0, TOP_N).map(([sym, ns]) => ({ sym, pct: pct(ns, byRoleNs[role]) }));
    }
    const pids = {};
    for (const [pid, role] of roleOfPid) if (role !== 'idle' && role !== 'other') (pids[role] ??= []).push(pid);
    const summary = {
      seconds: round(seconds, 2),
      samples: samples.length,
      // How much of cores x window the samples account for (busy and sampled idle): under 100
      // means idle CPUs slept through their sampling timer, which the idle share makes up.
      sampledPct: pct(periodTotal),
      // What the repetition measured: a rate, or for the lag figure its p99.
      ...(Number.isFinite(result?.rate) ? { rate: round(result.rate) } : {}),
      ...(Number.isFinite(result?.p99) ? { p99Ms: round(result.p99) } : {}),
      byRole: Object.fromEntries(ROLES.map((r) => [r, pct(byRoleNs[r])])),
      // Each role's busiest thread, in % of ONE core: a JavaScript process whose main thread is
      // near 100 is bound by its own code, whatever the machine's idle share.
      busiestThread: Object.fromEntries(Object.entries(busiestThread).map(([role, t]) => [role, { tid: t.tid, comm: t.comm, pctOfCore: pct(t.ns * this.cores) }])),
      // FerretDB's CPU by the MongoDB command its goroutine was serving (inclusive, with the
      // garbage collection it assisted), its background GC workers apart; and what kind of work.
      ferretdbCommands: [...ferretCommands].sort((a, b) => b[1] - a[1]).map(([command, ns]) => ({ command, pct: pct(ns, byRoleNs.ferretdb) })),
      ferretdbWork: [...ferretWork].sort((a, b) => b[1] - a[1]).map(([work, ns]) => ({ work, pct: pct(ns, byRoleNs.ferretdb) })),
      // Demarche's own functions (dist/) in the app and the bench, inclusive, % of that process.
      demarche: Object.fromEntries(Object.entries(demarche).filter(([role]) => byRoleNs[role] > 0).map(([role, names]) => [role, {
        pct: pct(demarcheAny[role], byRoleNs[role]),
        top: [...names].sort((a, b) => b[1] - a[1]).slice(0, TOP_N).map(([sym, ns]) => ({ sym, pct: pct(ns, byRoleNs[role]) })),
      }])),
      // FerretDB's CPU by Go package (% of FerretDB's CPU): its own code, the driver, the runtime.
      ferretdbPackages: [...ferretPackages].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([pkg, ns]) => ({ pkg, pct: pct(ns, byRoleNs.ferretdb) })),
      // Of each role's CPU, the share spent in the kernel.
      kernelPct: Object.fromEntries(ROLES.filter((r) => r !== 'idle' && byRoleNs[r] > 0).map((r) => [r, pct(kernelNs[r], byRoleNs[r])])),
      top,
      // The processes that none of the roles explain (another program sharing the machine shows here).
      otherTop: [...others].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([key, ns]) => ({ comm: key.split('\t')[0], pid: Number(key.split('\t')[1]), pct: pct(ns) })),
      pids,
      report: relative(root, `${base}.txt`),
    };
    writeFileSync(`${base}.txt`, await this.report({ figure, side, data, summary }));
    return summary;
  }

  /** The text report: the summary, then perf's own reports of the same file. */
  async report({ figure, side, data, summary }) {
    const lines = [
      `System profile of ${figure} (${side}), run ${this.run}: perf record -a -g -F ${FREQUENCY} -e cpu-clock, one repetition, ${summary.seconds} s, ${summary.samples} samples.`,
      `Re-read: perf report -i ${basename(data)} (the JavaScript of a node process is named by the perf-<pid>.map beside it once copied back to ${JIT_MAP_DIR}).`,
      ...(summary.rate !== undefined ? [`The repetition's rate: ${summary.rate}/s.`] : []),
      ...(summary.p99Ms !== undefined ? [`The repetition's p99: ${summary.p99Ms} ms.`] : []),
      '',
      `CPU by role, % of ${this.cores} cores (idle = what no process used):`,
      ...ROLES.map((r) => `  ${r.padEnd(9)} ${String(summary.byRole[r]).padStart(6)}%` +
        `${summary.kernelPct[r] !== undefined ? ` (${summary.kernelPct[r]}% of it in the kernel)` : ''}` +
        `${summary.busiestThread[r] ? `, busiest thread ${summary.busiestThread[r].tid} (${summary.busiestThread[r].comm}) ${summary.busiestThread[r].pctOfCore}% of a core` : ''}` +
        `${summary.pids[r] ? `  pids ${summary.pids[r].join(' ')}` : ''}`),
      `  (other: ${summary.otherTop.map((o) => `${o.comm} pid ${o.pid} ${o.pct}%`).join(', ') || 'none'})`,
    ];
    if (summary.ferretdbCommands.length) {
      lines.push('', 'FerretDB by MongoDB command (inclusive, % of ferretdb\'s CPU):', ...summary.ferretdbCommands.map((c) => `  ${String(c.pct).padStart(5)}%  ${c.command}`));
      lines.push('', 'FerretDB by kind of work (inclusive, overlapping, % of ferretdb\'s CPU):', ...summary.ferretdbWork.map((w) => `  ${String(w.pct).padStart(5)}%  ${w.work}`));
    }
    for (const [role, d] of Object.entries(summary.demarche)) {
      lines.push(
        '',
        `Demarche's functions (dist/) in ${role}, inclusive: on the stack in ${d.pct}% of ${role}'s CPU` +
          `${role === 'bench' ? ' (names from a JIT map that grew over every figure before: V8 reuses code addresses, so some may belong to earlier figures)' : ''}:`,
        ...d.top.map((s) => `  ${String(s.pct).padStart(5)}%  ${s.sym}`),
      );
    }
    if (summary.ferretdbPackages.length) {
      lines.push('', 'FerretDB by Go package (self, % of ferretdb\'s CPU):', ...summary.ferretdbPackages.map((p) => `  ${String(p.pct).padStart(5)}%  ${p.pkg}`));
    }
    for (const [role, list] of Object.entries(summary.top)) {
      lines.push('', `Hottest symbols of ${role} (self, % of ${role}'s CPU):`, ...list.map((s) => `  ${String(s.pct).padStart(5)}%  ${s.sym}`));
    }
    const section = async (title, args) => {
      try {
        const text = await capture('perf', ['report', '-i', data, '--stdio', '--no-children', ...args]);
        lines.push('', `==== ${title}: perf report ${args.join(' ')}`, text.replace(/^#.*\n/gm, '').trim());
      } catch (error) {
        lines.push('', `==== ${title}: ${error.message}`);
      }
    };
    await section('by process name, binary and symbol', ['--sort', 'comm,dso,sym', '-g', 'none', '--percent-limit', '0.2']);
    for (const role of ['ferretdb', 'postgres', 'app', 'bench']) {
      if (summary.pids[role] && summary.byRole[role] >= 1) {
        await section(`call graphs in ${role}`, ['--pid', summary.pids[role].join(','), '--sort', 'sym', '-g', 'callee,2', '--percent-limit', '2']);
      }
    }
    return `${lines.join('\n')}\n`;
  }

  /**
   * A Demarche app the bench started has stopped: its JIT map (`--perf-basic-prof`) is kept
   * beside the profiles if one was taken while it ran, else removed.
   */
  releaseApp(pid) {
    const map = join(JIT_MAP_DIR, `perf-${pid}.map`);
    if (!existsSync(map)) return;
    const used = Object.values(this.profiles).some((f) => Object.values(f).some((s) => s.pids.app?.includes(pid)));
    try {
      if (used) copyFileSync(map, join(this.dir, basename(map)));
    } finally {
      rmSync(map, { force: true });
    }
  }

  /**
   * At the end of the run: the bench's own JIT map (if it runs under `--perf-basic-prof*`) is
   * kept beside the profiles, like the apps' maps, instead of in the shared temporary directory.
   */
  finish() {
    if (!this.enabled || !Object.keys(this.profiles).length) return;
    const map = join(JIT_MAP_DIR, `perf-${this.benchPid}.map`);
    if (!existsSync(map)) return;
    try {
      copyFileSync(map, join(this.dir, basename(map)));
    } finally {
      rmSync(map, { force: true });
    }
  }

  /** The node flag that makes an app's JavaScript functions visible to perf, when profiling. */
  nodeFlags() {
    return this.enabled ? ['--perf-basic-prof-only-functions'] : [];
  }
}

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
