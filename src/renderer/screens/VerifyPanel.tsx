import { useState, type FormEvent } from 'react';
import type { VerifyReport } from '../../shared/record.js';
import { useApi } from '../api/context.js';
import { ErrorNote } from '../components/ErrorNote.js';
import { FileField } from '../components/FileField.js';
import { dateTime } from '../format.js';
import { useI18n, type MessageKey } from '../i18n/i18n.js';
import { shortFingerprint } from '../format.js';

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Checks a signed export and its .sig.json in the app, as `greffier verify`
 * does: each part that does not match is named (minutes, transcript,
 * signature, key). Nothing is stored; the vault is not needed.
 */
export function VerifyPanel() {
  const api = useApi();
  const { t, locale } = useI18n();
  const [file, setFile] = useState<File | undefined>();
  const [sig, setSig] = useState<File | undefined>();
  const [key, setKey] = useState<File | undefined>();
  const [report, setReport] = useState<VerifyReport | undefined>();
  const [error, setError] = useState<unknown>();

  async function verify(event: FormEvent) {
    event.preventDefault();
    setError(undefined);
    setReport(undefined);
    if (!file || !sig) return;
    try {
      setReport(
        await api.call('record.verify', {
          fileName: file.name,
          base64: bytesToBase64(new Uint8Array(await file.arrayBuffer())),
          signature: await sig.text(),
          ...(key ? { publicKeyPem: await key.text() } : {}),
        }),
      );
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <section aria-labelledby="verify-title" data-testid="verify">
      <h2 id="verify-title">{t('verify.title')}</h2>
      <form onSubmit={(event) => void verify(event)}>
        <FileField
          label={t('verify.file')}
          name="export"
          accept=".pdf,.docx,.md"
          onChange={setFile}
        />
        <FileField
          label={t('verify.signature')}
          name="signature"
          accept=".json"
          onChange={setSig}
        />
        <FileField label={t('verify.publicKey')} name="publicKey" accept=".pem" onChange={setKey} />
        <button type="submit" disabled={!file || !sig}>
          {t('verify.run')}
        </button>
      </form>
      <ErrorNote error={error} />
      {report && (
        <div role="status" data-testid="verify-result" data-ok={report.ok}>
          {/* The verdict first: a tampered file must not read like an approval. */}
          <p className={report.ok ? 'verdict ok' : 'verdict error'} data-testid="verify-verdict">
            <strong>{t(report.ok ? 'verify.valid' : 'verify.invalid')}</strong>
          </p>
          {report.signer && (
            <p>
              {t('approval.approvedBy', {
                name: report.signer.approver,
                date: dateTime(report.signer.approvedAt, locale),
              })}{' '}
              {t('approval.fingerprint', {
                fingerprint: shortFingerprint(report.signer.fingerprint),
              })}
            </p>
          )}
          {report.ok ? (
            <p>
              <strong>{t(report.keyTrusted ? 'verify.okTrusted' : 'verify.ok')}</strong>
            </p>
          ) : (
            <ul>
              {report.problems.map((p, i) => (
                <li key={i}>
                  <strong>{t(`verify.part.${p.part}` as MessageKey)}</strong>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
