/**
 * A progress line on standard error: a bar, count, rate and time left. Redrawn in place on a
 * terminal; on a pipe or in a log, one plain line every few seconds instead.
 */
export class Progress {
  private readonly started = Date.now();
  private lastDraw = 0;
  private done = 0;

  constructor(
    private readonly label: string,
    private total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, total = this.total): void {
    this.done = done;
    this.total = Math.max(total, done);
    const now = Date.now();
    if (now - this.lastDraw < (this.stream.isTTY ? 100 : 3000)) return;
    this.lastDraw = now;
    this.draw(false);
  }

  finish(): void {
    this.draw(true);
  }

  private draw(final: boolean): void {
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const fraction = this.total ? this.done / this.total : 1;
    const left = rate > 0 ? (this.total - this.done) / rate : 0;
    const width = 24;
    const bar = '#'.repeat(Math.round(fraction * width)).padEnd(width, '.');
    const text = `${this.label} [${bar}] ${this.done.toLocaleString('en')}/${this.total.toLocaleString('en')} ${(fraction * 100).toFixed(0)}%  ${Math.round(rate).toLocaleString('en')}/s  ${final ? `${elapsed.toFixed(1)} s` : `ETA ${formatSeconds(left)}`}`;
    if (this.stream.isTTY) this.stream.write(`\r${text}${final ? '\n' : ''}`);
    else this.stream.write(`${text}\n`);
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)} s`;
  return `${Math.floor(s / 60)} min ${Math.ceil(s % 60)} s`;
}
