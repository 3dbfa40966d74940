import type { MachinePolicyView } from '../../shared/api.js';
import { decodingModeLabel } from '../decoding-label.js';
import { useI18n } from '../i18n/i18n.js';

/** What IT decided for this PC (machine policy), shown read-only so nobody looks for the switch. */
export function PolicySection({ policy }: { policy: MachinePolicyView }) {
  const { t } = useI18n();
  const rows: [string, string][] = [];
  if (policy.vaultFolder) rows.push([t('policy.vaultFolder'), policy.vaultFolder]);
  if (policy.minPassphraseLength)
    rows.push([t('policy.minPassphraseLength'), String(policy.minPassphraseLength)]);
  if (policy.autoLockMinutes)
    rows.push([t('policy.autoLockMinutes'), String(policy.autoLockMinutes)]);
  if (policy.allowedModels !== undefined)
    rows.push([t('policy.allowedModels'), String(policy.allowedModels)]);
  if (policy.modelsFolder) rows.push([t('policy.modelsFolder'), policy.modelsFolder]);
  if (policy.uiLanguage) {
    const name = policy.uiLanguage === 'fr' ? 'language.nameFr' : 'language.nameEn';
    rows.push([t('policy.uiLanguage'), t(name)]);
  }
  if (policy.finalDecoding) {
    rows.push([t('settings.decoding.title'), decodingModeLabel(policy.finalDecoding, t)]);
  }
  for (const feature of policy.featuresOff) {
    rows.push([
      t('policy.featureOff'),
      t(feature === 'exports' ? 'policy.exports' : 'policy.spokenAnswers'),
    ]);
  }
  return (
    <section aria-labelledby="policy-title" data-testid="policy">
      <h2 id="policy-title">{t('policy.title')}</h2>
      {rows.length === 0 ? (
        <p>{t('policy.none')}</p>
      ) : (
        <>
          <p>{t('policy.intro')}</p>
          <dl>
            {rows.map(([label, value]) => (
              <div key={`${label}:${value}`}>
                <dt>{label}</dt>
                <dd translate="no">{value}</dd>
              </div>
            ))}
          </dl>
          <p translate="no">{policy.path}</p>
        </>
      )}
    </section>
  );
}
