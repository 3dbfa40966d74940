import { LanguageChoiceSchema, type LanguageChoice } from '../../shared/transcript.js';
import { useI18n, type MessageKey } from '../i18n/i18n.js';

/** The meeting/question language choice, the same on every screen that asks for it. */
export function LanguageField({
  label,
  value,
  onChange,
}: {
  label: string;
  value: LanguageChoice;
  onChange: (language: LanguageChoice) => void;
}) {
  const { t } = useI18n();
  return (
    <label>
      {label}
      <select value={value} onChange={(event) => onChange(event.target.value as LanguageChoice)}>
        {LanguageChoiceSchema.options.map((choice) => (
          <option key={choice} value={choice}>
            {t(`language.${choice}` as MessageKey)}
          </option>
        ))}
      </select>
    </label>
  );
}
