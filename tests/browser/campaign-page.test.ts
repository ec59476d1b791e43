/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Code passed to page.evaluate runs in the browser, so this file also sees the DOM types.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { projectRoot } from '../../libs/platform/config/config.js';
import { ARTIFACTS, assertConsoleBuilt, closeBrowser, launchChromium, signedInPage, unlabelledControls } from '../support/browser.js';
import { startTestApp, type RunningApp } from '../support/running-app.js';

const EXAMPLES = join(projectRoot(), 'reference', 'examples');
const MISSIONS_CSV = join(EXAMPLES, 'missions.csv');
const OUTREACH_CSV = join(EXAMPLES, 'outreach.csv');

/** RFC 4180 CSV, enough for the files of these tests: quoted cells, doubled quotes, CRLF or LF. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\n') row.push(cell), rows.push(row), (row = []), (cell = '');
    else if (c !== '\r') cell += c;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows;
}

/** The example outreach file as records keyed by its header. */
function outreachRecords(): Record<string, string>[] {
  const [header, ...rows] = parseCsv(readFileSync(OUTREACH_CSV, 'utf8'));
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ''])));
}

/**
 * The campaign page in headless Chromium, on a fresh app whose clock reads 7 December 2026:
 * a coordinator launches the 2012 joint demarche of Japan and Portugal and registers a mission
 * from the console, uploads the example missions and outreach files (previewed, then
 * confirmed), filters, sorts and exports the table, and sees a bad file refused.
 */
describe('the campaign page', () => {
  let app: RunningApp;
  let browser: Browser;
  let base: string;
  let coordinator = '';
  let page: Page;
  let scratch: string;
  const contexts: BrowserContext[] = [];
  const outreach = outreachRecords();
  const responded = (group: string) => outreach.filter((r) => r.kind === 'response' && r.group === group).map((r) => r.country!).sort();

  beforeAll(async () => {
    assertConsoleBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    scratch = mkdtempSync(join(tmpdir(), 'demarche-campaign-page-'));
    app = await startTestApp({ now: '2026-12-07T09:00:00Z' });
    await app.settle();
    base = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
    // A coordinator token names an existing campaign; the 2012 one it launches itself, in the console.
    await app.http().post('/v1/campaigns').send({ id: 'ccm-2026', treaty: 'CCM', title: 'CCM joint demarche 2026', coordinators: ['NOR', 'NZL'], startsOn: '2026-01-15' }).expect(201);
    coordinator = (await app.http().post('/v1/tokens').send({ role: 'coordinator', campaignIds: ['ccm-2026'], label: 'Coordinator, Tokyo' }).expect(201)).body.token;
    // Two of the example file's missions, registered beforehand with the coordinator's token.
    for (const m of [
      { id: 'jpn-canberra', name: 'Embassy of Japan in Canberra', kind: 'resident', coordinator: 'JPN', accreditedTo: ['AUS'] },
      { id: 'jpn-ottawa', name: 'Embassy of Japan in Ottawa', kind: 'resident', coordinator: 'JPN', accreditedTo: ['CAN'] },
    ]) {
      await app.as(coordinator).post('/v1/missions').send(m).expect(201);
    }
    await app.settle();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await closeBrowser(browser, contexts);
    await app?.destroy();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const signedIn = (token: string, width = 1280, height = 900) => signedInPage(browser, base, token, contexts, { width, height });

  const shot = (p: Page, name: string) => p.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
  const rows = (p: Page) => p.locator('table.campaign-table tbody tr');
  const shownIso3 = (p: Page) => rows(p).evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-iso3')!));
  const shownCount = (p: Page, text: string) => p.locator('.table-actions .count', { hasText: text }).waitFor();
  const header = (p: Page, label: string) => p.locator('table.campaign-table thead th', { has: p.getByRole('button', { name: label, exact: true }) });
  /** The facts of the rows shown, as the export names them. */
  const shownFacts = (p: Page) =>
    rows(p).evaluateAll((trs) =>
      trs.map((tr) => {
        const text = (col: string, inner = '') => (tr.querySelector(`[data-col="${col}"] ${inner}`.trim())?.textContent ?? '').trim();
        return { country: text('country', 'a'), iso3: tr.getAttribute('data-iso3')!, letterOn: text('letter', 'time'), group: text('response', '.group').replace(/^Group /, ''), status: text('status') };
      }),
    );
  /** What the counts say under one term ("Letters", "Group II"). */
  const readOut = (p: Page, term: string) => p.locator('.read-out div').filter({ has: p.locator('dt').getByText(term, { exact: true }) }).locator('dd');
  /**
   * What the campaign's missions recorded, counted: a refused file must leave it as it was. (The
   * whole history is no measure: the playbook and its timers go on writing meanwhile.)
   */
  const outreachRecorded = async () =>
    (await app.http().get('/v1/events/export?campaignId=ccm-2012&type=LetterDelivered,MeetingHeld,ResponseReceived').expect(200)).text.split('\n').filter(Boolean).length;

  it('launches a campaign and registers a mission from the console, the refusals beside the fields they name', async () => {
    page = await signedIn(coordinator);
    await page.getByRole('link', { name: 'Campaigns', exact: true }).click();
    await page.getByRole('heading', { name: 'Launch a campaign' }).waitFor();
    const launch = page.locator('#launch-form');
    await launch.getByLabel('Campaign id').fill('ccm-2012');
    await launch.getByLabel('Coordinating states').fill('jpn, prt');
    await launch.getByLabel('Starts on').fill('2012-06-01');
    await launch.getByRole('button', { name: 'Launch the campaign' }).click();
    await launch.locator('.field.invalid').first().waitFor();
    expect(await launch.locator('.field.invalid label').allTextContents()).toEqual(['Title']);
    await launch.getByLabel('Title').fill('CCM joint demarche 2012');
    await launch.getByRole('button', { name: 'Launch the campaign' }).click();
    await page.locator('p.success', { hasText: 'Launched: CCM joint demarche 2012 (ccm-2012)' }).waitFor();

    const register = page.locator('#register-form');
    await register.getByLabel('Mission id').fill('jpn-lima');
    await register.getByLabel('Name').fill('Embassy of Japan in Lima');
    await register.getByLabel('Kind').selectOption('resident');
    await register.getByLabel('Coordinating state').fill('JPN');
    await register.getByLabel('Accredited to').fill('PER ZZZ');
    await register.getByRole('button', { name: 'Register the mission' }).click();
    const refused = register.locator('.field.invalid', { has: page.locator('label', { hasText: 'Accredited to' }) });
    await refused.waitFor();
    expect(await refused.locator('.field-error').textContent()).toContain('ZZZ is not a state');
    expect(await page.getByRole('alert').textContent()).toMatch(/404/);
    await shot(page, '11-campaigns-refused');
    await register.getByLabel('Accredited to').fill('PER');
    await register.getByRole('button', { name: 'Register the mission' }).click();
    await page.locator('p.success', { hasText: 'Registered: Embassy of Japan in Lima (jpn-lima)' }).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);

    // The campaign the coordinator launched is now in its token's scope: its page opens.
    await page.getByRole('link', { name: "Open the campaign's page" }).click();
    await page.getByRole('heading', { name: /CCM joint demarche 2012/, level: 1 }).waitFor();
    // Its coordinators' three missions cover three signatories of 2012.
    await shownCount(page, '3 of 3 countries shown');
    expect((await shownIso3(page)).sort()).toEqual(['AUS', 'CAN', 'PER']);
  });

  it('uploads the missions and the outreach of the example files: a preview first, then the import', async () => {
    await page.getByLabel('Missions (CSV)').setInputFiles(MISSIONS_CSV);
    const preview = page.locator('#import-preview');
    await preview.waitFor();
    expect(await preview.locator('tbody tr').count()).toBe(11);
    expect(await preview.locator('tr[data-line="2"] .outcome').textContent()).toBe('recorded already'); // jpn-canberra
    expect(await preview.locator('tr[data-line="5"] .outcome').textContent()).toBe('new'); // jpn-nairobi
    expect(await preview.locator('.outcome', { hasText: 'recorded already' }).count()).toBe(3);
    // Nothing is recorded before the confirmation.
    await shownCount(page, '3 of 3 countries shown');
    await preview.getByRole('button', { name: 'Confirm the import' }).click();
    await page.locator('#import-done', { hasText: 'Recorded from missions.csv: 8 new, 3 recorded already.' }).waitFor();
    // Moldova is left out: it was a State Party when the campaign started.
    await shownCount(page, '14 of 14 countries shown');

    await page.getByLabel('Letters, meetings and responses (CSV)').setInputFiles(OUTREACH_CSV);
    await preview.waitFor();
    expect(await preview.locator('tbody tr').count()).toBe(outreach.length);
    expect(await preview.locator('.outcome', { hasText: 'new' }).count()).toBe(outreach.length);
    expect(await preview.locator('tr[data-line="2"]').innerText()).toMatch(/letter\s+AUS\s+jpn-canberra\s+2012-06-12/);
    expect(await unlabelledControls(page)).toEqual([]);
    await shot(page, '12-campaign-preview');
    await preview.getByRole('button', { name: 'Confirm the import' }).click();
    await page.locator('#import-done', { hasText: `Recorded from outreach.csv: ${outreach.length} new, 0 recorded already.` }).waitFor();

    // The page read again once the views held the import: the counts in words, and the rows.
    const letters = readOut(page, 'Letters');
    await letters.filter({ hasText: '14 joint letters' }).waitFor();
    expect(await letters.textContent()).toBe(
      'Through 8 resident missions and 3 non-resident points of contact, 14 joint letters co-signed by Japan and Portugal were delivered to 14 states, from 12 June 2012 to 28 June 2012.',
    );
    expect(await readOut(page, 'Group II').textContent()).toBe('3 states share the goal and name obstacles: Angola, Ethiopia, Thailand.');
    expect(await readOut(page, 'Responses').textContent()).toContain('11 states responded');
    const canada = rows(page).and(page.locator('[data-iso3="CAN"]'));
    expect(await canada.locator('[data-col="meetings"]').textContent()).toBe('1');
    expect(await canada.locator('[data-col="start"]').textContent()).toBe('Signatory');
    expect(await canada.locator('[data-col="status"]').textContent()).toBe('State Party');
    expect(await canada.locator('[data-col="mission"]').innerText()).toMatch(/jpn-ottawa\s+resident/);
    await page.locator('#weekly-chart canvas').waitFor();
  });

  it('filters by group, sorts by any column from the keyboard too, and exports the rows shown as CSV', async () => {
    const group = page.getByRole('combobox', { name: 'Response group' });
    await group.selectOption('II');
    await shownCount(page, '4 of 14 countries shown');
    expect((await shownIso3(page)).sort()).toEqual(responded('II'));
    await group.selectOption('none');
    const lettered = outreach.filter((r) => r.kind === 'letter').map((r) => r.country!);
    const answered = new Set(outreach.filter((r) => r.kind === 'response').map((r) => r.country));
    await shownCount(page, `${lettered.filter((c) => !answered.has(c)).length} of 14 countries shown`);
    expect((await shownIso3(page)).sort()).toEqual(lettered.filter((c) => !answered.has(c)).sort());
    await group.selectOption('');
    await shownCount(page, '14 of 14 countries shown');

    // By name, descending: the second choice of the column it is already sorted by.
    expect(await header(page, 'Country').getAttribute('aria-sort')).toBe('ascending');
    await header(page, 'Country').getByRole('button').click();
    expect(await header(page, 'Country').getAttribute('aria-sort')).toBe('descending');
    const names = (await shownFacts(page)).map((r) => r.country);
    expect(names).toEqual([...names].sort((a, b) => b.localeCompare(a)));
    expect(names[0]).toBe('Thailand');

    // By letter date, from the keyboard.
    await header(page, 'Letter').getByRole('button').focus();
    await page.keyboard.press('Enter');
    expect(await header(page, 'Letter').getAttribute('aria-sort')).toBe('ascending');
    expect(await header(page, 'Country').getAttribute('aria-sort')).toBe('none');
    const days = (await shownFacts(page)).map((r) => r.letterOn);
    expect(days).toEqual([...days].sort());
    expect(days[0]).toBe('2012-06-12');
    await shot(page, '13-campaign-page');
    // The counts, the weeks and the first rows: the picture the README shows (docs/campaign.png).
    await page.screenshot({ path: join(ARTIFACTS, '13-campaign-top.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1900 } });

    // The export holds exactly the rows shown, in their order, under a header row.
    await page.getByRole('combobox', { name: 'Status today' }).selectOption('non-signatory');
    await group.selectOption('II');
    await shownCount(page, '2 of 14 countries shown');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download these rows (CSV)' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^ccm-2012-countries-\d{4}-\d{2}-\d{2}\.csv$/);
    const [head, ...records] = parseCsv(readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, ''));
    expect(head).toEqual(expect.arrayContaining(['country', 'iso3', 'region', 'mission', 'mission_kind', 'letter_on', 'meetings', 'response_on', 'group', 'obstacles', 'status_at_start', 'status', 'open_follow_ups']));
    const col = (name: string) => head!.indexOf(name);
    const exported = records.map((r) => ({ country: r[col('country')], iso3: r[col('iso3')], letterOn: r[col('letter_on')], group: r[col('group')], status: r[col('status')] }));
    expect(exported).toEqual(await shownFacts(page));
    expect(exported.map((r) => r.iso3)).toEqual(['ETH', 'THA']); // their letters of 20 and 21 June 2012
  });

  it('refuses a spreadsheet with a group IV, naming its line and column, and records nothing', async () => {
    const lines = readFileSync(OUTREACH_CSV, 'utf8').trimEnd().split('\n');
    const bad = [
      lines[0]!,
      'meeting,ccm-2012,THA,jpn-bangkok,2012-08-01,,,,,,,Met the Director-General for International Organizations.,,',
      'response,ccm-2012,POL,prt-warsaw,2012-08-02,IV,,,,,,,,',
    ].join('\n');
    const file = join(scratch, 'outreach-with-group-iv.csv');
    writeFileSync(file, `${bad}\n`);
    const before = await outreachRecorded();
    expect(before).toBe(outreach.length);
    await page.getByLabel('Letters, meetings and responses (CSV)').setInputFiles(file);
    const refusal = page.locator('#import-problem [role="alert"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('line 3: group');
    expect(await refusal.textContent()).toMatch(/group must be "I", "II" or "III"/);
    expect(await page.getByRole('button', { name: 'Confirm the import' }).count()).toBe(0);
    expect(await outreachRecorded()).toBe(before);
    expect(await rows(page).and(page.locator('[data-iso3="THA"]')).locator('[data-col="meetings"]').textContent()).toBe('0');
    await shot(page, '14-campaign-refusal');
  });

  it('reads in a window 400 pixels wide', async () => {
    const narrow = await signedIn(coordinator, 400, 860);
    await narrow.goto(`${base}/#/campaigns/ccm-2012`);
    await shownCount(narrow, '14 of 14 countries shown');
    await narrow.locator('#weekly-chart canvas').waitFor();
    const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    expect(await unlabelledControls(narrow)).toEqual([]);
    await shot(narrow, '15-campaign-narrow-400px');
  });
});
