import { useState } from 'react';
import { inputChannels } from '../audio/capture.js';
import { channelCount } from '../format.js';
import { useI18n } from '../i18n/i18n.js';

export interface SeatSetup {
  /** Channels the input gives (1: one microphone for the room). */
  channels: number;
  /** Who sits at each channel, by index (empty: "Canal N"). */
  names: string[];
}

/**
 * One microphone per seat: the clerk asks how many channels the input gives,
 * then names the seats; the loudest seat will take the floor while recording.
 */
export function SeatChannels(props: {
  deviceId: string;
  value: SeatSetup;
  onChange(value: SeatSetup): void;
  onError(error: unknown): void;
}) {
  const { t } = useI18n();
  const [checking, setChecking] = useState(false);
  const { channels, names } = props.value;

  const detect = async () => {
    setChecking(true);
    try {
      const count = await inputChannels(props.deviceId || undefined);
      props.onChange({ channels: count, names: names.slice(0, count) });
    } catch (error) {
      props.onError(error);
    } finally {
      setChecking(false);
    }
  };

  return (
    <fieldset className="seat-channels" data-testid="seat-channels">
      <legend>{t('record.seats')}</legend>
      <button
        type="button"
        onClick={() => void detect()}
        disabled={checking}
        data-testid="detect-channels"
      >
        {t('record.detectChannels')}
      </button>{' '}
      <span data-testid="channel-count">{channelCount(channels, t)}</span>
      {channels > 1 &&
        Array.from({ length: channels }, (_, index) => (
          <label key={index}>
            {t('record.channelN', { n: index + 1 })}
            <input
              value={names[index] ?? ''}
              maxLength={100}
              data-testid={`seat-${index + 1}`}
              onChange={(event) => {
                const next = [...names];
                next[index] = event.target.value;
                props.onChange({ channels, names: next });
              }}
            />
          </label>
        ))}
    </fieldset>
  );
}

/** The seat plan the recording call takes: named channels only, numbered from 1. */
export function seatPlan(setup: SeatSetup): { channel: number; name: string }[] {
  return setup.names
    .map((name, index) => ({ channel: index + 1, name: name.trim() }))
    .filter((seat) => seat.name && seat.channel <= setup.channels);
}
