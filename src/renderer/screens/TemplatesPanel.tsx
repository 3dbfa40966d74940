import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiCallError } from '../../shared/api.js';
import type { MinutesTemplate } from '../../shared/minutes.js';
import { useApi } from '../api/context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { useI18n, type MessageKey } from '../i18n/i18n.js';
import { templateFieldLabel } from '../template-fields.js';

const LIMITS = ['decisions', 'actionItems', 'openQuestions', 'topics', 'interventions'] as const;
const RETENTION = ['audioDays', 'transcriptDays', 'minutesDays'] as const;

/** A templates call: its answer is not used, the list is read again. */
interface TemplateCall {
  (): Promise<unknown>;
}

/** The field core named when it refused a template (its message says `field "x.y"`). */
function refusedField(error: unknown): string | undefined {
  return error instanceof ApiCallError && error.code === 'template-invalid'
    ? /field "([^"]+)"/.exec(error.message)?.[1]
    : undefined;
}

/** A number field's value: blank means "not set", anything else is kept for core to check. */
function numberOrUnset(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

/**
 * Minutes templates in Settings: the built-in ones are read-only and can be
 * copied; the vault's own copies are edited here (names, instructions,
 * limits, retention) and checked by core, which names a wrong field.
 */
export function TemplatesPanel() {
  const api = useApi();
  const { t } = useI18n();
  const [entries, setEntries] = useState<{ template: MinutesTemplate; builtIn: boolean }[]>([]);
  const [selected, setSelected] = useState('general');
  const [draft, setDraft] = useState<MinutesTemplate | undefined>();
  const [copyId, setCopyId] = useState('');
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);

  const load = useCallback(() => {
    api.call('templates.list', {}).then(setEntries, setError);
  }, [api]);
  useEffect(load, [load]);
  const entry = entries.find((e) => e.template.id === selected);
  useEffect(() => setDraft(entry ? structuredClone(entry.template) : undefined), [entry]);

  const run = (call: TemplateCall, next?: string) => {
    setError(undefined);
    setSaved(false);
    call().then(() => {
      if (next) setSelected(next);
      setSaved(true);
      load();
    }, setError);
  };
  const copy = (event: FormEvent) => {
    event.preventDefault();
    run(() => api.call('templates.copy', { from: selected, id: copyId.trim() }), copyId.trim());
    setCopyId('');
  };
  const save = (event: FormEvent) => {
    event.preventDefault();
    if (draft) run(() => api.call('templates.save', { template: draft }));
  };
  const field = refusedField(error);
  const set = (change: (d: MinutesTemplate) => void) =>
    setDraft((current) => {
      if (!current) return current;
      const next = structuredClone(current);
      change(next);
      return next;
    });

  return (
    <section aria-labelledby="templates-title" data-testid="templates">
      <h2 id="templates-title">{t('templates.title')}</h2>
      <label>
        {t('templates.choose')}
        <select value={selected} onChange={(event) => setSelected(event.target.value)}>
          {entries.map((e) => (
            <option key={e.template.id} value={e.template.id} translate="no">
              {`${e.template.name.fr} (${e.template.id})${e.builtIn ? ` — ${t('templates.builtIn')}` : ''}`}
            </option>
          ))}
        </select>
      </label>
      <form onSubmit={copy} className="inline">
        <label>
          {t('templates.copyAs')}
          <input value={copyId} onChange={(event) => setCopyId(event.target.value)} />
        </label>
        <button type="submit" disabled={!copyId.trim()}>
          {t('templates.copy')}
        </button>
      </form>
      {entry?.builtIn && <p className="hint">{t('templates.readOnly')}</p>}
      {draft && entry && !entry.builtIn && (
        <form onSubmit={save} data-testid="template-form">
          {(['fr', 'en'] as const).map((lang) => (
            <fieldset key={lang}>
              <legend>{t(`templates.lang.${lang}` as MessageKey)}</legend>
              <label>
                {t('templates.name')}
                <input
                  lang={lang}
                  translate="no"
                  value={draft.name[lang]}
                  onChange={(event) => set((d) => (d.name[lang] = event.target.value))}
                />
              </label>
              <label>
                {t('templates.instructions')}
                <textarea
                  lang={lang}
                  translate="no"
                  value={draft.instructions[lang]}
                  onChange={(event) => set((d) => (d.instructions[lang] = event.target.value))}
                />
              </label>
            </fieldset>
          ))}
          <fieldset>
            <legend>{t('templates.limits')}</legend>
            {LIMITS.map((key) => (
              <label key={key}>
                {t(`templates.limit.${key}` as MessageKey)}
                <input
                  type="number"
                  aria-invalid={field === `limits.${key}` || undefined}
                  value={draft.limits?.[key] ?? ''}
                  onChange={(event) =>
                    set((d) => {
                      d.limits = { ...d.limits };
                      const value = numberOrUnset(event.target.value);
                      if (value === undefined) delete d.limits[key];
                      else d.limits[key] = value;
                    })
                  }
                />
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>{t('templates.retention')}</legend>
            {RETENTION.map((key) => (
              <label key={key}>
                {t(`templates.retention.${key}` as MessageKey)}
                <input
                  type="number"
                  aria-invalid={field === `retention.${key}` || undefined}
                  value={draft.retention?.[key] ?? ''}
                  onChange={(event) =>
                    set((d) => {
                      d.retention = { ...d.retention };
                      const value = numberOrUnset(event.target.value);
                      if (value === undefined) delete d.retention[key];
                      else d.retention[key] = value;
                      if (Object.keys(d.retention).length === 0) delete d.retention;
                    })
                  }
                />
              </label>
            ))}
          </fieldset>
          <div className="actions">
            <button type="submit">{t('templates.save')}</button>
            <button
              type="button"
              onClick={() => run(() => api.call('templates.remove', { id: draft.id }), 'general')}
            >
              {t('templates.remove')}
            </button>
          </div>
        </form>
      )}
      {saved && <p role="status">{t('templates.saved')}</p>}
      <ErrorNote error={error} />
      {field && (
        <p className="hint" data-testid="template-field">
          {t('templates.badField', { field: templateFieldLabel(field, t) })}
        </p>
      )}
    </section>
  );
}
