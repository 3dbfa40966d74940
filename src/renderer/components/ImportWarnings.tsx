import { clock } from '../format.js';
import { useI18n } from '../i18n/i18n.js';

/** Damage an import stepped over, by time (the `import.finished` event's warnings). */
export interface ImportWarningView {
  kind: 'damaged' | 'truncated';
  atMs: number;
}

/**
 * Shown on a meeting just imported from a damaged file: where the recording
 * was damaged or cut, so the clerk knows which moments to check by ear.
 */
export function ImportWarnings({ warnings }: { warnings?: ImportWarningView[] }) {
  const { t } = useI18n();
  if (!warnings?.length) return null;
  return (
    <div className="notice" role="status" data-testid="import-warnings">
      <strong>{t('import.warningsTitle')}</strong>
      <ul>
        {warnings.map((warning, index) => (
          <li key={index}>
            {t(warning.kind === 'truncated' ? 'import.warningTruncated' : 'import.warningDamaged', {
              time: clock(warning.atMs),
            })}
          </li>
        ))}
      </ul>
    </div>
  );
}
