import { useId, useState, type ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.js';

/**
 * An action that cannot be undone, asked twice in the page itself: the
 * browser's confirm() box is drawn in the browser's language, with the page's
 * address as its title, not in the UI's words.
 */
export function ConfirmButton(props: {
  question: string;
  onConfirm(): void;
  children: ReactNode;
  testId?: string;
}) {
  const { t } = useI18n();
  const id = useId();
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button
        type="button"
        className="danger"
        data-testid={props.testId}
        onClick={() => setAsking(true)}
      >
        {props.children}
      </button>
    );
  }
  return (
    <div role="alertdialog" aria-labelledby={id} className="confirm">
      <p id={id}>{props.question}</p>
      <div className="actions">
        <button
          type="button"
          className="danger"
          data-testid={props.testId && `${props.testId}-confirm`}
          onClick={() => {
            setAsking(false);
            props.onConfirm();
          }}
        >
          {t('confirm.yes')}
        </button>
        <button type="button" onClick={() => setAsking(false)} autoFocus>
          {t('common.cancel')}
        </button>
      </div>
    </div>
  );
}
