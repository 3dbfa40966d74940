import type { MessageKey, Translate } from './i18n/translate.js';

/**
 * A template field as the form labels it, from the path core names when it
 * refuses a template (`limits.decisions` → « Décisions (nombre maximal) »);
 * a path the form does not know is shown as it is.
 */
export function templateFieldLabel(path: string, t: Translate): string {
  const [first, second] = path.split('.');
  const said = (key: string) => {
    const text = t(key as MessageKey);
    return text === key ? undefined : text;
  };
  if (first === 'id' && second === undefined) return t('templates.field.id');
  if (first === 'limits' && second) {
    const name = said(`templates.limit.${second}`);
    if (name) return t('templates.field.limit', { name });
  }
  if (first === 'retention' && second) {
    const name = said(`templates.retention.${second}`);
    if (name) return t('templates.field.retention', { name });
  }
  if ((first === 'name' || first === 'instructions') && (second === 'fr' || second === 'en')) {
    return t('templates.field.lang', {
      name: t(first === 'name' ? 'templates.name' : 'templates.instructions'),
      lang: t(`templates.lang.${second}`),
    });
  }
  return path;
}
