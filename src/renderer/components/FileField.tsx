import { useId, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';

/**
 * A file chooser whose words are the UI's: a browser's own file field says
 * "Choose File / No file chosen" in the browser's language. The real input
 * stays in the page (keyboard, screen readers and tests reach it), hidden
 * behind a button and the chosen file's name. The system's file dialog it
 * opens is the operating system's, in the system's language.
 */
export function FileField(props: {
  label: string;
  name: string;
  accept?: string;
  onChange(file: File | undefined): void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [chosen, setChosen] = useState<string | undefined>();
  return (
    <div className="file-field">
      <span id={`${id}-label`}>{props.label}</span>
      <label className="file-button" htmlFor={id}>
        {t('file.choose')}
      </label>
      <input
        id={id}
        type="file"
        name={props.name}
        className="visually-hidden"
        accept={props.accept}
        aria-labelledby={`${id}-label`}
        onChange={(event) => {
          const file = event.target.files?.[0];
          setChosen(file?.name);
          props.onChange(file);
        }}
      />
      <span className="file-name" translate={chosen ? 'no' : undefined}>
        {chosen ?? t('file.none')}
      </span>
    </div>
  );
}
