import { Writable } from 'node:stream';
import { withCorrelation } from './correlation.js';
import { JsonLogger } from './json-logger.js';
import { OutageLog } from './outage-log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe('JSON logs', () => {
  it('write one object per line with the level, the context and the correlation id in force', async () => {
    const { lines, stream } = capture();
    const logger = new JsonLogger(['log', 'warn', 'error'], stream);
    logger.log('Outside any request.', 'Seed');
    await withCorrelation('req-7', async () => {
      await Promise.resolve();
      logger.warn('Inside a request, after an await.', 'HTTP');
    });
    logger.error('Failed.', 'Error: boom\n    at somewhere (file.ts:1:1)', 'Projector');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', context: 'Seed', msg: 'Outside any request.' }),
      expect.objectContaining({ level: 'warn', context: 'HTTP', msg: 'Inside a request, after an await.', correlationId: 'req-7' }),
      expect.objectContaining({ level: 'error', context: 'Projector', msg: 'Failed.', stack: expect.stringMatching(/^Error: boom/) }),
    ]);
    expect(lines[0]).not.toHaveProperty('correlationId');
    expect(lines[0]).toEqual(expect.objectContaining({ time: expect.any(String), pid: process.pid }));
  });

  it('write only the levels asked for (tests ask for errors only)', () => {
    const { lines, stream } = capture();
    const logger = new JsonLogger(['error', 'fatal'], stream);
    logger.log('quiet');
    logger.warn('quiet');
    logger.error('loud');
    expect(lines.map((l) => l.msg)).toEqual(['loud']);
    const off = capture();
    new JsonLogger(false, off.stream).error('nothing at all');
    expect(off.lines).toEqual([]);
  });
});

describe('an outage', () => {
  it('is said once when it starts, reminded now and then, and said once when it ends', () => {
    const said: string[] = [];
    const log = { log: (m: string) => said.push(`log: ${m}`), warn: (m: string) => said.push(`warn: ${m}`), error: (m: string) => said.push(`error: ${m}`) };
    let clock = 1_000_000;
    const outages = new OutageLog(log, 60_000, () => clock);
    for (let i = 0; i < 50; i++) outages.failed('relay', 'Kafka does not answer.');
    expect(outages.isFailing('relay')).toBe(true);
    clock += 61_000;
    outages.failed('relay', 'Kafka does not answer.');
    outages.failed('relay', 'Kafka does not answer.');
    clock += 29_000;
    outages.recovered('relay', (s) => `Working again after ${s} s.`);
    outages.recovered('relay', (s) => `Working again after ${s} s.`);
    expect(said).toEqual(['error: Kafka does not answer.', 'error: Still failing after 61 s: Kafka does not answer.', 'log: Working again after 90 s.']);
    expect(outages.isFailing('relay')).toBe(false);
  });
});
