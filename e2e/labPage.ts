import { type Locator, type Page, expect } from '@playwright/test';

/** The lab page, by its stable data-testids. */
export class LabPage {
  /** `origin` is for a browser without a base URL (one attached to over the DevTools protocol). */
  constructor(
    readonly page: Page,
    private readonly origin = '',
  ) {}

  byId(id: string): Locator {
    return this.page.getByTestId(id);
  }

  async open(query: string): Promise<void> {
    await this.page.goto(`${this.origin}/?${query}`);
    await expect(this.byId('backend-badge').locator('strong')).toBeVisible({ timeout: 60_000 });
  }

  async badge(): Promise<string> {
    return (await this.byId('backend-badge').textContent()) ?? '';
  }

  /** Points drawn in a chart (data-points on the figure). */
  async points(chart: 'loss-chart' | 'accuracy-chart'): Promise<number> {
    return Number(await this.byId(chart).getAttribute('data-points'));
  }

  async text(id: string): Promise<string> {
    return ((await this.byId(id).textContent()) ?? '').trim();
  }

  /** The step the run-progress line shows. */
  async step(): Promise<number> {
    const run = this.page.locator('.progress').filter({ hasText: 'Run:' });
    const detail = await run.locator('.detail').textContent();
    return Number(detail?.match(/step (\d+)/)?.[1] ?? 0);
  }

  async runState(): Promise<string> {
    return (await this.page.locator('.progress span').filter({ hasText: 'Run:' }).textContent()) ?? '';
  }

  async waitForState(state: string, timeout: number): Promise<void> {
    await expect(this.page.locator('.progress span').filter({ hasText: `Run: ${state}` })).toBeVisible({
      timeout,
    });
  }

  /** Moves a range input with the keyboard, as a user would. */
  async pressOn(id: string, key: string, times = 1): Promise<void> {
    const slider = this.byId(id);
    await slider.focus();
    for (let i = 0; i < times; i++) await slider.press(key);
  }

  /** A number an element carries in `data-value` (a radius: Infinity is written as such). */
  async value(id: string): Promise<number> {
    return Number(await this.byId(id).getAttribute('data-value'));
  }

  /** Opens the first sample card the latest evaluation got right, and waits for its panel. */
  async inspectCorrectSample(): Promise<number> {
    const card = this.byId('samples').locator('[data-verdict="certified"], [data-verdict="correct"]').first();
    const index = Number((await card.getAttribute('data-testid'))?.replace('sample-', ''));
    await card.click();
    await expect(this.byId('inspection')).toHaveAttribute('data-index', String(index), { timeout: 60_000 });
    return index;
  }

  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: `e2e/artifacts/${name}.png`, fullPage: true });
  }
}
