import { useApi } from '../api/context.js';
import { base64ToBytes } from '../format.js';
import { useI18n } from '../i18n/i18n.js';

type ExportFormat = 'docx' | 'pdf' | 'md' | 'srt' | 'vtt';
const FORMATS: ExportFormat[] = ['docx', 'pdf', 'md', 'srt', 'vtt'];

/** Hands a file to the browser's download (the clerk chooses where it goes). */
function save(name: string, blob: Blob) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * The meeting's exports. Approved minutes come with their detached
 * signature, saved beside the file. When the machine policy turns exports
 * off, the buttons stay visible but disabled, with the reason (IT's policy)
 * said once above them, rather than buttons that refuse when clicked.
 */
export function MeetingExport(props: {
  meetingId: string;
  exportsOff: boolean;
  onError(error: unknown): void;
}) {
  const api = useApi();
  const { t } = useI18n();

  async function download(format: ExportFormat) {
    try {
      const file = await api.call('export.meeting', { meetingId: props.meetingId, format });
      save(file.fileName, new Blob([base64ToBytes(file.base64)], { type: file.mime }));
      if (file.signature) {
        save(
          file.signature.fileName,
          new Blob([file.signature.json], { type: 'application/json' }),
        );
      }
    } catch (caught) {
      props.onError(caught);
    }
  }

  return (
    <section aria-labelledby="export-title" data-testid="exports">
      <h2 id="export-title">{t('meeting.export')}</h2>
      {props.exportsOff && (
        <p className="hint" id="exports-off" data-testid="exports-off">
          {t('export.offByPolicy')}
        </p>
      )}
      <div className="actions">
        {FORMATS.map((format) => (
          <button
            key={format}
            type="button"
            data-export={format}
            disabled={props.exportsOff}
            aria-describedby={props.exportsOff ? 'exports-off' : undefined}
            onClick={() => void download(format)}
          >
            {t(`export.${format}`)}
          </button>
        ))}
      </div>
    </section>
  );
}
