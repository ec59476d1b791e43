// Writes a large synthetic history straight into an embedded store, for rebuild tests:
// letters delivered in many campaigns, 500 events a commit. Usage: DIR COUNT
import { newEventId } from '../../dist/libs/event-store/index.js';
import { openSqliteDatabase } from '../../dist/libs/platform/persistence/sqlite-database.js';
import { SqliteEventStore } from '../../dist/libs/event-store/infrastructure/sqlite-event-store.js';

const [dir, count] = [process.argv[2], Number(process.argv[3])];
const store = new SqliteEventStore(openSqliteDatabase(dir));
const countries = ['KEN', 'UGA', 'ETH', 'ERI', 'TZA', 'SAU', 'JOR', 'ARE', 'IND', 'USA', 'BRA', 'EGY'];
const meta = { actor: 'generator', correlationId: 'gen', causationId: 'gen' };
let written = 0;
for (let c = 0; written < count; c++) {
  const campaignId = `gen-${c}`;
  for (const iso3 of countries) {
    const n = Math.min(500, count - written);
    if (n <= 0) break;
    const events = Array.from({ length: n }, (_, i) => {
      const day = String(1 + (i % 28)).padStart(2, '0');
      return { id: newEventId(), type: 'LetterDelivered', schemaVersion: 1, occurredAt: `2026-01-${day}`, data: { campaignId, treaty: 'CCM', iso3, missionId: 'm', deliveredOn: `2026-01-${day}` }, metadata: meta };
    });
    await store.append(`outreach-${campaignId}-${iso3}`, 'any', events);
    written += n;
  }
}
await store.close();
process.stdout.write(`${written}\n`);
