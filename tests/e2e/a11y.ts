import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { screenshot } from './pages.js';
import errorsEn from '../../src/renderer/i18n/errors.en.json' with { type: 'json' };

/**
 * Axe on the page as it stands: every rule axe knows, and no serious or
 * critical violation allowed. The report names the rule, the element and why.
 */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ')}`,
    );
  expect(serious, `axe on ${state}`).toEqual([]);
}

/** Words that mean an English error (or a programmer's value) reached the screen. */
const ENGLISH =
  /\b(Failed to fetch|NetworkError|Load failed|[Ee]rror|failed|cannot|can't|does not|is not|not found|no such|wrong|invalid|unexpected|undefined|null|NaN|Unknown|trust-unlisted)\b|--[a-z]/;
/** English words French never uses: any of them in the UI's own text is untranslated. */
const ENGLISH_WORDS =
  /\b(the|from|with|another|this|that|which|please|and|of|to|is|are|was|has|have|not|in|it|be|by|for|you|your)\b/i;
/** Raw codes: every error code of the catalogue, http-NNN, and template ids. */
const CODES = new RegExp(
  `(^|[^\\w-])(${[
    ...Object.keys(errorsEn),
    'http-\\d{3}',
    'general',
    'council-session',
    'hr-interview',
    'project-review',
  ]
    .map((code) => code.replace(/[-]/g, '\\-'))
    .join('|')})(?![\\w-])`,
);

/**
 * A programmer's value on screen: JSON (never shown, even inside a
 * translate="no" element), a camelCase key (beamSize), a roster id (p1).
 */
const RAW_JSON = /[{[]\s*"\w+"\s*:/;
const RAW_KEY = /\b[a-z]+[A-Z][A-Za-z]*\b|^p\d+$/;

/**
 * The visible text of the UI (not what people said or models wrote: those
 * elements carry translate="no") holds no English error and no raw code.
 */
export async function expectFrenchOnly(page: Page, state: string): Promise<void> {
  const all: { text: string; verbatim: boolean }[] = await page.evaluate(`(() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      const text = (node.textContent || '').trim();
      if (!text || !parent || parent.closest('script, style')) continue;
      if (!parent.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
      out.push({ text, verbatim: !!parent.closest('[translate="no"]') });
    }
    return out;
  })()`);
  const texts = all.filter((t) => !t.verbatim).map((t) => t.text);
  expect(texts.length, `visible text on ${state}`).toBeGreaterThan(0);
  const offending = [
    ...texts.filter(
      (text) =>
        ENGLISH.test(text) || ENGLISH_WORDS.test(text) || CODES.test(text) || RAW_KEY.test(text),
    ),
    ...all.filter((t) => t.verbatim && RAW_JSON.test(t.text)).map((t) => t.text),
  ];
  expect(offending, `English or raw codes on ${state}`).toEqual([]);
}

/** A French screen checked as the walks do: axe, French only, and a screenshot named `name`. */
export async function checkFrench(page: Page, name: string): Promise<void> {
  await expectAccessible(page, name);
  await expectFrenchOnly(page, name);
  await screenshot(page, name);
}
