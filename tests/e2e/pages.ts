import { readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { projectRoot } from '../../src/core/paths.js';

/** Page objects: the scenarios speak in screens and actions, not selectors. */

export const SCREENSHOT_DIR = join(projectRoot(), 'test-results', 'screens');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export class UnlockPage {
  constructor(private readonly page: Page) {}
  get screen() {
    return this.page.locator('[data-screen="unlock"]');
  }
  async createVault(passphrase: string): Promise<void> {
    await this.page.locator('input[name="passphrase"]').fill(passphrase);
    await this.page.locator('input[name="confirm"]').fill(passphrase);
    await this.page.locator('form button[type="submit"]').click();
    await this.page.locator('[data-screen="meetings"]').waitFor();
  }
  async unlock(passphrase: string): Promise<void> {
    await this.page.locator('input[name="passphrase"]').fill(passphrase);
    await this.page.locator('form button[type="submit"]').click();
  }
}

export class Shell {
  constructor(private readonly page: Page) {}
  async go(section: 'meetings' | 'record' | 'ask' | 'audit' | 'settings'): Promise<void> {
    await this.page.locator(`nav button[data-nav="${section}"]`).click();
    await this.page.locator(`[data-screen="${section}"]`).waitFor();
  }
}

export class RecordPage {
  constructor(private readonly page: Page) {}
  async addSpeaker(name: string): Promise<void> {
    await this.page.locator('input[name="speaker"]').fill(name);
    await this.page.locator('input[name="speaker"]').press('Enter');
  }
  async start(title: string): Promise<void> {
    await this.page.locator('input[name="title"]').fill(title);
    await this.page.getByTestId('start-recording').click();
    await this.page.getByTestId('recording').waitFor();
  }
  liveLines() {
    return this.page.getByTestId('live-transcript').locator('li');
  }
  async elapsedSeconds(): Promise<number> {
    const text = (await this.page.getByTestId('elapsed').textContent()) ?? '0:00';
    const [m, s] = text.split(':').map(Number);
    return (m ?? 0) * 60 + (s ?? 0);
  }
  /** Waits until the recording clock (audio captured) reaches a second: an event, not a delay. */
  async recordedAtLeast(seconds: number): Promise<void> {
    await expect
      .poll(() => this.elapsedSeconds(), { timeout: 60_000 })
      .toBeGreaterThanOrEqual(seconds);
  }
  /** Presses a roster number key with focus outside any field. */
  async markSpeaker(n: number): Promise<void> {
    await this.page.locator('#record-title').click();
    await this.page.keyboard.press(String(n));
  }
  async stop(): Promise<void> {
    await this.page.getByTestId('stop-recording').click();
    await this.page.locator('[data-screen="meeting"]').waitFor();
  }
}

export class MeetingPage {
  constructor(private readonly page: Page) {}
  segments() {
    return this.page.getByTestId('transcript').locator('li[data-segment-id]');
  }
  status() {
    return this.page.getByTestId('meeting-status');
  }
  minutes() {
    return this.page.getByTestId('minutes');
  }
  /** Clicks an export button and returns the downloaded file's bytes and name. */
  async export(
    format: 'docx' | 'pdf' | 'md' | 'srt' | 'vtt',
  ): Promise<{ name: string; bytes: Buffer }> {
    const download = this.page.waitForEvent('download');
    await this.page.locator(`button[data-export="${format}"]`).click();
    const file = await download;
    const path = await file.path();
    return { name: file.suggestedFilename(), bytes: readFileSync(path) };
  }
}

export class AskPage {
  constructor(private readonly page: Page) {}
  async askTyped(question: string): Promise<void> {
    await this.page.locator('textarea[name="question"]').fill(question);
    await this.page.locator('.ask-form button[type="submit"]').click();
  }
  /** Holds the push-to-talk button with the keyboard while the fake microphone plays. */
  async askByVoice(holdMs: number): Promise<void> {
    const button = this.page.getByTestId('push-to-talk');
    await button.focus();
    await this.page.keyboard.down('Space');
    await expect(button).toHaveAttribute('aria-pressed', 'true');
    await this.page.waitForTimeout(holdMs);
    await this.page.keyboard.up('Space');
  }
  answer() {
    return this.page.getByTestId('answer');
  }
}

export class SettingsPage {
  constructor(private readonly page: Page) {}
  /** Imports a folder of models, trusting files the catalogue does not list (generated ones). */
  async importModels(folder: string): Promise<void> {
    await this.page.locator('input[name="folder"]').fill(folder);
    await this.page
      .locator('form:has(input[name="folder"]) label.check input[type="checkbox"]')
      .check();
    await this.page.locator('form:has(input[name="folder"]) button[type="submit"]').click();
    await this.page.getByTestId('models').locator('tbody tr').first().waitFor();
  }
  models() {
    return this.page.getByTestId('models').locator('tbody tr');
  }
  blockedLog() {
    return this.page.getByTestId('blocked-log');
  }
}
