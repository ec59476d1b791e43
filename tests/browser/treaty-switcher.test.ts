/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// Code passed to page.evaluate runs in the browser, so this file also sees the DOM types.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { projectRoot } from '../../libs/platform/config/config.js';
import { ARTIFACTS, assertConsoleBuilt, closeBrowser, launchChromium, signedInPage, unlabelledControls } from '../support/browser.js';
import { startTestApp, type RunningApp } from '../support/running-app.js';

/** The campaigns this test launches, each for its treaty; no campaign is for the Mine Ban Convention. */
const CAMPAIGNS = [
  { id: 'ccm-2026', treaty: 'CCM', title: 'CCM joint demarche 2026', coordinators: ['NOR'], startsOn: '2026-01-15' },
  { id: 'att-2025', treaty: 'ATT', title: 'ATT outreach 2025', coordinators: ['NZL'], startsOn: '2025-03-01' },
  { id: 'att-2026', treaty: 'ATT', title: 'ATT outreach 2026', coordinators: ['NZL'], startsOn: '2026-09-01' },
];
const treatyOf = (campaignId: string) => CAMPAIGNS.find((c) => c.id === campaignId)?.treaty;
const obstaclesOf = (code: string): string[] => JSON.parse(readFileSync(join(projectRoot(), 'reference', 'treaties', `${code.toLowerCase()}.json`), 'utf8')).obstacles;

interface Task { readonly id: string; readonly campaignId: string; readonly state: string }

/**
 * One treaty switcher on every page of the console, the choice carried from page to page:
 * the queues, the mission form, the campaigns and a campaign's page, and a dossier each read
 * what they show for the chosen treaty. Every figure is counted here from the API's raw lists
 * and from the campaigns this test launched.
 */
describe('the treaty switcher', () => {
  let app: RunningApp;
  let browser: Browser;
  let base: string;
  let analyst = '';
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    assertConsoleBuilt();
    mkdirSync(ARTIFACTS, { recursive: true });
    app = await startTestApp({ now: '2026-11-27T09:00:00Z' });
    await app.settle();
    base = `http://127.0.0.1:${(app.app.getHttpServer().address() as AddressInfo).port}`;
    const post = (path: string, body: object) => app.http().post(path).send(body).expect(201);
    await post('/v1/missions', { id: 'nor-nairobi', name: 'Embassy of Norway in Nairobi', kind: 'non-resident', coordinator: 'NOR', accreditedTo: ['KEN', 'ETH', 'ERI'] });
    await post('/v1/missions', { id: 'nzl-delhi', name: 'High Commission of New Zealand in New Delhi', kind: 'non-resident', coordinator: 'NZL', accreditedTo: ['BGD', 'BTN'] });
    for (const campaign of CAMPAIGNS) await post('/v1/campaigns', campaign);
    // Responses only (no letter waits for its chase), each opening follow-ups under its treaty's playbook.
    await post('/v1/countries/ETH/responses', { campaignId: 'ccm-2026', missionId: 'nor-nairobi', receivedOn: '2026-02-27', group: 'II', obstacles: ['capacity'] });
    await post('/v1/countries/BGD/responses', { campaignId: 'att-2026', missionId: 'nzl-delhi', receivedOn: '2026-10-01', group: 'II', obstacles: ['export-control-capacity'] });
    await post('/v1/countries/BTN/responses', { campaignId: 'att-2025', missionId: 'nzl-delhi', receivedOn: '2025-05-02', group: 'II', obstacles: ['domestic-politics'] });
    analyst = (await app.http().post('/v1/tokens').send({ role: 'analyst', label: 'Analyst' }).expect(201)).body.token;
    await app.settle();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await closeBrowser(browser, contexts);
    await app?.destroy();
  });

  const get = async (path: string) => (await app.http().get(path).expect(200)).body;
  const switcher = (page: Page) => page.getByRole('combobox', { name: 'Treaty', exact: true });
  const choose = async (page: Page, code: string) => {
    await switcher(page).selectOption(code);
    expect(await switcher(page).inputValue()).toBe(code);
  };
  const open = async (page: Page, link: string, heading: string | RegExp) => {
    await page.getByRole('link', { name: link, exact: true }).click();
    await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
  };
  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  /** The tasks of a treaty's campaigns, counted from the whole queue: all of them, and those open or claimed. */
  async function tasksOf(code: string): Promise<{ all: number; active: number }> {
    const tasks = ((await get('/v1/follow-ups')).items as Task[]).filter((f) => treatyOf(f.campaignId) === code);
    return { all: tasks.length, active: tasks.filter((f) => f.state === 'open' || f.state === 'claimed').length };
  }

  /** The countries in each status of the treaty today, tallied from the countries' list. */
  async function tally(code: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = { 'state-party': 0, signatory: 0, 'non-signatory': 0, withdrawn: 0 };
    for (const c of (await get(`/v1/countries?treaty=${code}`)).items as { treatyStatus: string }[]) counts[c.treatyStatus]!++;
    return counts;
  }

  it('offers the treaties the API lists, on every page, and each page reads the chosen one', async () => {
    const listed = (await get('/v1/treaties')).items as { code: string; name: string }[];
    const page = await signedInPage(browser, base, analyst, contexts);

    // The queues: the tasks of the chosen treaty's campaigns only.
    await page.getByRole('heading', { name: 'Follow-up queues', level: 1 }).waitFor();
    expect(await switcher(page).locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(listed.map((t) => t.code));
    expect(await switcher(page).inputValue()).toBe((await get('/v1/treaties')).default);
    for (const code of ['CCM', 'ATT', 'APMBC', 'ATT']) {
      if ((await switcher(page).inputValue()) !== code) await choose(page, code);
      const { all, active } = await tasksOf(code);
      await page.locator('p.count', { hasText: `${active} of ${all} ${code} follow-ups shown` }).waitFor();
      expect(await page.locator('article.task').count()).toBe(active);
      const campaigns = await page.locator('article.task dd a[href^="#/campaigns/"]').allTextContents();
      expect(campaigns.every((id) => treatyOf(id) === code)).toBe(true);
    }
    expect((await tasksOf('ATT')).active).toBeGreaterThan(0);
    expect(new URL(page.url()).hash).toBe('#/queues?treaty=ATT');
    expect(await unlabelledControls(page)).toEqual([]);
    await shot(page, '16-queues-att');

    // The mission form keeps the ATT: its countries with their ATT status, and the ATT's obstacles.
    await open(page, 'Report from a mission', 'Report from a mission');
    expect(await switcher(page).inputValue()).toBe('ATT');
    for (const code of ['ATT', 'APMBC']) {
      if ((await switcher(page).inputValue()) !== code) await choose(page, code);
      const counts = await tally(code);
      await page.locator('#treaty-standing [data-status="state-party"] dd', { hasText: new RegExp(`^${counts['state-party']}$`) }).waitFor();
      for (const [status, n] of Object.entries(counts)) expect(await page.locator(`#treaty-standing [data-status="${status}"] dd`).textContent()).toBe(String(n));
      expect(await page.locator('fieldset.obstacles input[type="checkbox"]').count()).toBe(obstaclesOf(code).length);
    }
    await choose(page, 'ATT');
    await page.getByLabel('Lacks export-control capacity (ATT)').waitFor();
    expect(await page.getByLabel('Prefers regulation under the CCW').count()).toBe(0);
    expect(await page.locator('#m-country option[value="BGD"]').textContent()).toMatch(/\(BGD\): Signatory$/);
    expect(await unlabelledControls(page)).toEqual([]);

    // The campaigns of the chosen treaty, latest start first; a launch is for it unless another is chosen.
    await open(page, 'Campaigns', 'Campaigns');
    for (const code of ['ATT', 'APMBC', 'CCM']) {
      if ((await switcher(page).inputValue()) !== code) await choose(page, code);
      const mine = CAMPAIGNS.filter((c) => c.treaty === code).sort((a, b) => b.startsOn.localeCompare(a.startsOn));
      await page.locator('#known-count', { hasText: new RegExp(`^${mine.length} campaigns?$`) }).waitFor();
      expect(await page.locator('ul.campaign-links a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(mine.map((c) => `#/campaigns/${c.id}`));
      expect(await page.locator('#c-treaty').inputValue()).toBe(code);
    }
    await choose(page, 'ATT');
    await page.locator('#known-count', { hasText: /^2 campaigns$/ }).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);

    // A campaign's page is its campaign's treaty; choosing another lists that treaty's campaigns.
    await page.getByRole('link', { name: /ATT outreach 2026/ }).click();
    await page.getByRole('heading', { name: /ATT outreach 2026/, level: 1 }).waitFor();
    expect(await switcher(page).inputValue()).toBe('ATT');
    expect(await page.locator('#treaty-switcher-note').textContent()).toContain(listed.find((t) => t.code === 'ATT')!.name);
    await shot(page, '17-campaign-att');
    await choose(page, 'CCM');
    await page.getByRole('heading', { name: 'Campaigns', level: 1 }).waitFor();
    await page.locator('#known-count', { hasText: /^1 campaign$/ }).waitFor();
    // Opened from elsewhere (a task's link, a bookmark), a campaign's page brings the tab to its treaty.
    await page.evaluate(() => (location.hash = '#/campaigns/att-2025'));
    await page.getByRole('heading', { name: /ATT outreach 2025/, level: 1 }).waitFor();
    await page.locator('#treaty-switcher-note').waitFor();
    expect(await switcher(page).inputValue()).toBe('ATT');
    await open(page, 'Follow-up queues', 'Follow-up queues');
    const att = await tasksOf('ATT');
    await page.locator('p.count', { hasText: `${att.active} of ${att.all} ATT follow-ups shown` }).waitFor();

    // A dossier: Bangladesh's ATT record, then its CCM one.
    await page.evaluate(() => (location.hash = '#/country/BGD'));
    await page.getByRole('heading', { name: "Today's ATT record, and where each field comes from" }).waitFor();
    expect(await page.locator('table.provenance tr', { hasText: 'Response group' }).textContent()).toMatch(/II/);
    await choose(page, 'CCM');
    await page.getByRole('heading', { name: "Today's CCM record, and where each field comes from" }).waitFor();
    expect(await page.locator('table.provenance tr', { hasText: 'Treaty status' }).locator('td').first().textContent()).toBe(
      ({ 'state-party': 'State Party', signatory: 'Signatory', 'non-signatory': 'Not signed', withdrawn: 'Withdrawn' } as Record<string, string>)[(await get('/v1/countries/BGD?treaty=CCM')).treatyStatus],
    );
    expect(await unlabelledControls(page)).toEqual([]);

    // A link names its treaty: another person's tab opens it on that treaty.
    const other = await signedInPage(browser, base, analyst, contexts);
    await other.goto(`${base}/#/mission?treaty=APMBC`);
    await other.getByRole('heading', { name: 'Report from a mission', level: 1 }).waitFor();
    expect(await switcher(other).inputValue()).toBe('APMBC');
    const apmbc = await tally('APMBC');
    await other.locator('#treaty-standing [data-status="withdrawn"] dd', { hasText: new RegExp(`^${apmbc.withdrawn}$`) }).waitFor();
    expect(await other.locator('#treaty-standing [data-status="state-party"] dd').textContent()).toBe(String(apmbc['state-party']));
  });
});
