// The parts of `--system-profile` that talk to perf and read its output: running commands,
// naming processes, one recording's lifetime, and the names of sampled symbols.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Resolves after `ms` without keeping the process alive for it. */
export const after = (ms, value) => new Promise((resolve) => setTimeout(resolve, ms, value).unref());

export const root = fileURLToPath(new URL('..', import.meta.url));
/** The sampling rate, per CPU; 499 rather than 500 so as not to beat with timers of 1 ms or 10 ms. */
export const FREQUENCY = 499;
/** Where V8 writes the JIT map of `--perf-basic-prof` and where perf looks for it (fixed by both). */
export const JIT_MAP_DIR = '/tmp';
/** The roles a process can have, in the order the tables show them. */
export const ROLES = ['ferretdb', 'postgres', 'kafka', 'redis', 'app', 'bench', 'perf', 'other', 'idle'];
/** A process's role from its name (`comm`), when it is none of the bench's own. */
export const ROLE_OF_COMM = { 'demarche-ferret': 'ferretdb', postgres: 'postgres', java: 'kafka', 'redis-server': 'redis', perf: 'perf' };
/** The roles whose hottest functions the summary keeps. */
export const TOP_ROLES = ['ferretdb', 'postgres', 'app', 'bench', 'kafka', 'redis'];
export const TOP_N = 12;

/** Runs a command to completion; resolves with its stdout, rejects with the first lines of stderr. */
export function capture(cmd, args, { maxBuffer = 256 * 2 ** 20 } = {}) {
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
export function processNames() {
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
export class Recording {
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
export function goPackage(sym, dso) {
  if (dso === '[kernel.kallsyms]') return 'kernel';
  const path = /^((?:[^/\s(]+\/)*[^/.\s(]+)\./.exec(sym)?.[1];
  if (!path) return sym === '[unknown]' ? '[unknown]' : 'other';
  if (path === 'runtime' || path.startsWith('internal/runtime/')) return 'Go runtime';
  return path;
}

/** The MongoDB command a FerretDB call chain serves (`MsgFind` is `find`), or what else it is. */
export function ferretdbCommand(frames) {
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
export const FERRETDB_WORK = [
  ['decode from PostgreSQL (sjson.Unmarshal)', /\/sjson\.Unmarshal$/],
  ['encode for PostgreSQL (sjson.Marshal)', /\/sjson\.Marshal$/],
  ['pgx driver', /^github\.com\/jackc\//],
  ['garbage collection', /^runtime\.(gcBgMarkWorker|gcAssistAlloc|markroot|gcDrain)/],
  ['resource.Track (a pprof stack per object)', /\/resource\.Track$/],
  ['system calls', /^(entry_SYSCALL_64|do_syscall_64)/],
];
export function ferretdbWork(frames) {
  return FERRETDB_WORK.filter(([, re]) => frames.some((f) => re.test(f.sym))).map(([name]) => name);
}

/** A symbol as the tables show it: repository-relative paths, the binary when perf found no name. */
export function symbolName(sym, dso) {
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
