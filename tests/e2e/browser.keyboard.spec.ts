import { expect, test } from '@playwright/test';
import { launchChromium, openApp, setup, startDevhost, type Devhost } from './harness.js';

/** The clerk's hands never leave the keyboard: create the vault and move between screens. */
test.describe('keyboard-only operation, in Chromium', () => {
  let host: Devhost;

  test.afterEach(async () => {
    await host?.stop();
  });

  test('create the vault, reach every screen and see where the focus is', async () => {
    host = await startDevhost();
    const browser = await launchChromium(setup().meetingWav);
    try {
      const { page } = await openApp(browser, host);
      // The passphrase field has the focus on arrival.
      await expect(page.locator('input[name="passphrase"]')).toBeFocused();
      await page.keyboard.type('conseil municipal du mardi');
      await page.keyboard.press('Tab');
      await expect(page.locator('input[name="confirm"]')).toBeFocused();
      await page.keyboard.type('conseil municipal du mardi');
      await page.keyboard.press('Enter');
      await page.locator('[data-screen="meetings"]').waitFor();

      // Tab order: skip link, then the sections; Enter opens each one.
      await page.locator('body').focus();
      await page.keyboard.press('Tab');
      await expect(page.getByRole('link', { name: 'Skip to content' })).toBeFocused();
      for (const screen of ['meetings', 'record', 'ask', 'audit', 'settings']) {
        await page.keyboard.press('Tab');
        const button = page.locator(`nav button[data-nav="${screen}"]`);
        await expect(button).toBeFocused();
        // A visible focus ring on every focused control.
        const outline = await button.evaluate((element) => {
          const view = globalThis as unknown as {
            getComputedStyle(e: unknown): { outlineStyle: string; outlineWidth: string };
          };
          const style = view.getComputedStyle(element);
          return { style: style.outlineStyle, width: style.outlineWidth };
        });
        expect(outline.style, screen).not.toBe('none');
        expect(outline.width, screen).not.toBe('0px');
        await page.keyboard.press('Enter');
        await expect(page.locator(`[data-screen="${screen}"]`)).toBeVisible();
        await expect(button).toHaveAttribute('aria-current', 'page');
      }
    } finally {
      await browser.close();
    }
  });
});
