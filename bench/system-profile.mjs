// --system-profile: where the whole machine's CPU goes during one repetition of a figure.
// `perf record -a` samples every CPU (FerretDB, PostgreSQL, Kafka, Redis, the app the bench
// started, the bench itself), so a figure below target can be shown to be limited by a server
// rather than by Demarche's code. One recorded repetition of each side is profiled (the middle
// one; its timing is kept). Needs `perf` and the right to sample the whole system (root, or
// kernel.perf_event_paranoid = -1); without them the bench runs without profiles.
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join, relative } from 'node:path';
import { round, sleep } from './lib.mjs';
import { root, FREQUENCY, JIT_MAP_DIR, ROLES, ROLE_OF_COMM, TOP_ROLES, TOP_N, capture, processNames, Recording, goPackage, ferretdbCommand, ferretdbWork, symbolName } from './perf-recording.mjs';

export { ROLES } from './perf-recording.mjs';

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
