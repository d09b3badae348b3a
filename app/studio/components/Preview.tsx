import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { formatBitrate, formatElapsed } from '../../ui/format';
import { useStudio, useStudioState } from '../context';
import { selectLiveSince } from '../store';
import { useNow } from './hooks';

/** The program canvas itself (what viewers get), mounted from the compositor. */
export function Preview() {
  const { t } = useTranslation();
  const { compositor } = useStudio();
  const host = useRef<HTMLDivElement>(null);
  const camera = useStudioState((s) => s.devices.camera);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    el.appendChild(compositor.canvas);
    return () => {
      if (compositor.canvas.parentElement === el) el.removeChild(compositor.canvas);
    };
  }, [compositor]);

  return (
    <div className="preview">
      <div className="preview-frame" data-testid="program">
        <div className="canvas-host" ref={host} />
        {camera !== 'on' && (
          <div className="preview-note">{camera === 'starting' ? t('preview.cameraStarting') : t('preview.noCamera')}</div>
        )}
      </div>
    </div>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="stat">
      <span className="stat-label">{label}</span>
      <span className="stat-value" data-testid={testId}>
        {value}
      </span>
    </div>
  );
}

export function StatusBar() {
  const { t } = useTranslation();
  const stats = useStudioState((s) => s.stats);
  const publish = useStudioState((s) => s.publish);
  const program = useStudioState((s) => s.program);
  const liveSince = useStudioState(selectLiveSince);
  const now = useNow();
  const none = t('stats.none');
  const onAir = publish.state === 'live' || publish.state === 'reconnecting';

  return (
    <div className="statusbar" data-testid="statusbar">
      <Stat label={t('stats.bitrate')} value={onAir && stats ? formatBitrate(stats.bitrate) : none} testId="stat-bitrate" />
      <Stat label={t('stats.fps')} value={onAir && stats?.fps != null ? String(stats.fps) : none} testId="stat-fps" />
      <Stat
        label={t('stats.resolution')}
        value={onAir && stats?.width && stats.height ? `${stats.width}×${stats.height}` : none}
        testId="stat-resolution"
      />
      <Stat label={t('stats.rtt')} value={onAir && stats?.rttMs != null ? `${stats.rttMs} ms` : none} testId="stat-rtt" />
      <Stat label={t('stats.loss')} value={onAir && stats?.lossPct != null ? `${stats.lossPct}%` : none} testId="stat-loss" />
      <Stat label={t('stats.viewers')} value={publish.show ? String(publish.viewerCount) : none} testId="stat-viewers" />
      <Stat label={t('stats.elapsed')} value={liveSince !== null ? formatElapsed(now - liveSince) : none} testId="stat-elapsed" />
      <Stat
        label={t('stats.connection')}
        value={
          publish.state === 'reconnecting'
            ? `${t('state.reconnecting')} ${publish.reconnectAttempt ? t('stats.attempt', { count: publish.reconnectAttempt }) : ''}`
            : publish.transportState
              ? t(`transport.${publish.transportState}`, { defaultValue: publish.transportState })
              : t(`state.${publish.state}`)
        }
        testId="stat-connection"
      />
      <Stat
        label={t('stats.program')}
        value={`${program.fps} fps · ${program.drawMs} ms${stats?.limitation && onAir ? ` · ${t('stats.limited', { reason: t(`limitation.${stats.limitation}`, { defaultValue: stats.limitation }) })}` : ''}`}
        testId="stat-program"
      />
    </div>
  );
}
