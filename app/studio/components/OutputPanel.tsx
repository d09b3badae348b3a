/**
 * Output panel: recording (start/stop, elapsed time, file size, open folder) and restream targets (add / edit /
 * remove / enable, per-target status, bitrate and errors). Reads the output controller's store; elapsed times are
 * derived from the start times main reports.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useStore } from 'zustand';
import {
  type RecordingStatus,
  type RestreamPlatform,
  RestreamPlatform as RestreamPlatformSchema,
  RestreamTargetInput,
  type RestreamTargetView,
  type TargetStatus,
} from '../../../shared/protocol/host';
import { formatElapsed } from '../../ui/format';
import { useStudio } from '../context';
import { type OutputViewState, selectRecordingActive, selectRestreaming } from '../controllers/recorder';
import { useNow } from './hooks';
import './OutputPanel.css';

/** Where each platform takes RTMP ingest (the key comes from the platform's live dashboard). */
export const PLATFORM_URLS: Record<RestreamPlatform, string> = {
  custom: '',
  youtube: 'rtmp://a.rtmp.youtube.com/live2',
  twitch: 'rtmp://live.twitch.tv/app',
  facebook: 'rtmps://live-api-s.facebook.com:443/rtmp',
  bilibili: 'rtmp://live-push.bilivideo.com/live-bvc',
  douyin: '',
  kuaishou: '',
};

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(0)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

const NO_TARGETS: RestreamTargetView[] = [];
const NO_STATUS: TargetStatus[] = [];

/** Read the output store (selectors must return stable references: no fresh arrays / objects). */
function useOutput<T>(selector: (s: OutputViewState) => T): T {
  return useStore(useStudio().output.store, selector);
}

function fileName(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

function RecordingBlock() {
  const { t } = useTranslation();
  const { output } = useStudio();
  const rec = useOutput((s) => s.main?.recording ?? null);
  const active = useOutput(selectRecordingActive);
  const pending = useOutput((s) => s.pending);
  const ffmpegOk = useOutput((s) => s.main?.ffmpeg.ok ?? true);
  const now = useNow(1000);

  return (
    <div className="out-block" data-testid="recording">
      <div className="out-row">
        {active ? (
          <button
            type="button"
            className="btn btn--danger out-main-btn"
            data-testid="record-stop"
            disabled={pending === 'record' || rec?.state === 'stopping'}
            onClick={() => void output.stopRecording()}
          >
            <span className="rec-dot rec-dot--on" aria-hidden="true" />
            {rec?.state === 'stopping' ? t('output.record.stopping') : t('output.record.stop')}
          </button>
        ) : (
          <button
            type="button"
            className="btn btn--primary out-main-btn"
            data-testid="record-start"
            disabled={pending === 'record' || !ffmpegOk}
            onClick={() => void output.startRecording()}
          >
            <span className="rec-dot" aria-hidden="true" />
            {pending === 'record' ? t('output.record.starting') : t('output.record.start')}
          </button>
        )}
        <RecordingStats rec={rec} now={now} />
      </div>
      {rec && (
        <div className="out-file">
          <span className="out-file-name mono" title={rec.file} data-testid="recording-file">
            {fileName(rec.file)}
          </span>
          <button type="button" className="btn btn--ghost btn--small" onClick={() => void output.openFolder()}>
            {t('output.record.openFolder')}
          </button>
        </div>
      )}
      {rec?.state === 'stopped' && !rec.error && <p className="hint">{t('output.record.saved')}</p>}
      {rec?.error && <OutputErrorLine code={rec.error.code} message={rec.error.message} testId="recording-error" />}
      {!rec && (
        <div className="out-file">
          <span className="hint">{t('output.record.idle')}</span>
          <button type="button" className="btn btn--ghost btn--small" onClick={() => void output.openFolder()}>
            {t('output.record.openFolder')}
          </button>
        </div>
      )}
    </div>
  );
}

function RecordingStats({ rec, now }: { rec: RecordingStatus | null; now: number }) {
  const { t } = useTranslation();
  if (!rec) return null;
  const running = rec.state === 'starting' || rec.state === 'recording' || rec.state === 'stopping';
  const elapsed = (running ? now : (rec.endedAt ?? now)) - rec.startedAt;
  return (
    <div className="out-stats">
      <span className="out-stat">
        <span className="stat-label">{t('output.record.elapsed')}</span>
        <span className="stat-value mono" data-testid="recording-elapsed">
          {formatElapsed(elapsed)}
        </span>
      </span>
      <span className="out-stat">
        <span className="stat-label">{t('output.record.size')}</span>
        <span className="stat-value mono" data-testid="recording-size">
          {formatBytes(rec.bytes)}
        </span>
      </span>
    </div>
  );
}

function OutputErrorLine({ code, message, testId }: { code: string; message: string; testId?: string }) {
  const { t } = useTranslation();
  return (
    <div className="out-error" role="alert" data-testid={testId} data-code={code}>
      <strong>{t(`output.errors.${code}`)}</strong>
      <span className="out-error-detail">{message}</span>
    </div>
  );
}

function TargetStateChip({ status, now }: { status: TargetStatus | undefined; now: number }) {
  const { t } = useTranslation();
  const state = status?.state ?? 'idle';
  const text =
    state === 'retrying' && status?.retryAt
      ? t('output.state.retryingIn', { s: Math.max(0, Math.ceil((status.retryAt - now) / 1000)), n: status.attempt })
      : t(`output.state.${state}`);
  return (
    <span className={`out-chip out-chip--${state}`} data-testid="target-state" data-state={state}>
      {text}
    </span>
  );
}

function TargetRow({ target, status, onEdit }: { target: RestreamTargetView; status: TargetStatus | undefined; onEdit: () => void }) {
  const { t } = useTranslation();
  const { output } = useStudio();
  const pending = useOutput((s) => s.pending);
  const now = useNow(1000);
  const [confirm, setConfirm] = useState(false);
  return (
    <li className={`out-target${target.enabled ? '' : ' out-target--off'}`} data-testid="target" data-target-id={target.id}>
      <div className="out-target-head">
        <label className="check" title={t('output.target.enabled')}>
          <input
            type="checkbox"
            checked={target.enabled}
            disabled={pending === 'targets'}
            aria-label={t('output.target.enabled')}
            onChange={(e) => void output.saveTarget({ ...targetInput(target), enabled: e.target.checked })}
          />
        </label>
        <span className="out-target-name">{target.name}</span>
        <span className="out-platform">{t(`output.platforms.${target.platform}`)}</span>
        <span className="out-spacer" />
        {status && <TargetStateChip status={status} now={now} />}
        {status?.state === 'live' && (
          <span className="out-kbps mono" data-testid="target-kbps">
            {status.kbps} kbps
          </span>
        )}
      </div>
      <div className="out-target-sub">
        <span className="mono out-url" title={target.url}>
          {target.url}
        </span>
        <span className="mono out-key">{target.hasKey ? target.keyHint : t('output.target.noKey')}</span>
        <span className="out-spacer" />
        {confirm ? (
          <>
            <button type="button" className="btn btn--ghost btn--small" onClick={() => setConfirm(false)}>
              {t('output.target.cancel')}
            </button>
            <button
              type="button"
              className="btn btn--danger btn--small"
              data-testid="target-remove-confirm"
              onClick={() => {
                setConfirm(false);
                void output.removeTarget(target.id);
              }}
            >
              {t('output.target.removeConfirm')}
            </button>
          </>
        ) : (
          <>
            <button type="button" className="btn btn--ghost btn--small" data-testid="target-edit" onClick={onEdit}>
              {t('output.target.edit')}
            </button>
            <button type="button" className="btn btn--ghost btn--small" data-testid="target-remove" onClick={() => setConfirm(true)}>
              {t('output.target.remove')}
            </button>
          </>
        )}
      </div>
      {status?.error && status.state !== 'live' && (
        <OutputErrorLine code={status.error.code} message={status.error.message} testId="target-error" />
      )}
    </li>
  );
}

function targetInput(t: RestreamTargetView): RestreamTargetInput {
  return { id: t.id, name: t.name, platform: t.platform, url: t.url, enabled: t.enabled };
}

interface Draft {
  name: string;
  platform: RestreamPlatform;
  url: string;
  key: string;
  enabled: boolean;
}

function TargetForm({ target, onDone }: { target: RestreamTargetView | null; onDone: () => void }) {
  const { t } = useTranslation();
  const { output } = useStudio();
  const pending = useOutput((s) => s.pending);
  const [draft, setDraft] = useState<Draft>(() =>
    target
      ? { name: target.name, platform: target.platform, url: target.url, key: '', enabled: target.enabled }
      : { name: '', platform: 'custom', url: '', key: '', enabled: true },
  );
  const [showKey, setShowKey] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async () => {
    const candidate = {
      ...(target ? { id: target.id } : {}),
      name: draft.name,
      platform: draft.platform,
      url: draft.url,
      enabled: draft.enabled,
      // editing: an empty key field keeps the stored key
      ...(draft.key !== '' || !target ? { streamKey: draft.key.trim() } : {}),
    };
    const parsed = RestreamTargetInput.safeParse(candidate);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = String(issue?.path[0] ?? '');
      setError(field ? `${t(`output.target.${field === 'streamKey' ? 'key' : field}`)}: ${issue?.message ?? ''}` : (issue?.message ?? ''));
      return;
    }
    setError(null);
    if (await output.saveTarget(parsed.data)) onDone();
  };

  return (
    <form
      className="out-form"
      data-testid="target-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div className="field-row">
        <label className="field">
          <span className="field-label">{t('output.target.platform')}</span>
          <select
            className="input"
            value={draft.platform}
            data-testid="target-platform"
            onChange={(e) => {
              const platform = RestreamPlatformSchema.safeParse(e.target.value);
              if (!platform.success) return;
              setDraft((d) => ({
                ...d,
                platform: platform.data,
                url: d.url === '' || Object.values(PLATFORM_URLS).includes(d.url) ? PLATFORM_URLS[platform.data] : d.url,
                name:
                  d.name === '' || RestreamPlatformSchema.options.some((p) => t(`output.platforms.${p}`) === d.name)
                    ? t(`output.platforms.${platform.data}`)
                    : d.name,
              }));
            }}
          >
            {RestreamPlatformSchema.options.map((p) => (
              <option key={p} value={p}>
                {t(`output.platforms.${p}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field-label">{t('output.target.name')}</span>
          <input
            className="input"
            type="text"
            maxLength={60}
            value={draft.name}
            data-testid="target-name"
            onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))}
          />
        </label>
      </div>
      <label className="field">
        <span className="field-label">{t('output.target.url')}</span>
        <input
          className="input"
          type="text"
          maxLength={512}
          value={draft.url}
          placeholder="rtmp://…"
          spellCheck={false}
          data-testid="target-url"
          onChange={(e) => setDraft((d) => ({ ...d, url: e.target.value }))}
        />
      </label>
      <label className="field">
        <span className="field-label">{t('output.target.key')}</span>
        <div className="out-key-row">
          <input
            type={showKey ? 'text' : 'password'}
            className="input out-key-input"
            maxLength={512}
            value={draft.key}
            autoComplete="off"
            spellCheck={false}
            placeholder={target?.hasKey ? t('output.target.keyKeep', { hint: target.keyHint }) : ''}
            data-testid="target-key"
            onChange={(e) => setDraft((d) => ({ ...d, key: e.target.value }))}
          />
          <button type="button" className="btn btn--ghost btn--small" onClick={() => setShowKey((v) => !v)}>
            {showKey ? t('output.target.hideKey') : t('output.target.showKey')}
          </button>
        </div>
        <span className="hint">{t('output.target.keyHint')}</span>
      </label>
      <label className="check">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => setDraft((d) => ({ ...d, enabled: e.target.checked }))} />
        {t('output.target.enabled')}
      </label>
      {error && (
        <p className="form-error" data-testid="target-form-error">
          {error}
        </p>
      )}
      <div className="out-form-actions">
        <button type="button" className="btn btn--ghost btn--small" onClick={onDone}>
          {t('output.target.cancel')}
        </button>
        <button type="submit" className="btn btn--primary btn--small" data-testid="target-save" disabled={pending === 'targets'}>
          {t('output.target.save')}
        </button>
      </div>
    </form>
  );
}

function RestreamBlock() {
  const { t } = useTranslation();
  const { output } = useStudio();
  const targets = useOutput((s) => s.main?.targets ?? NO_TARGETS);
  const statuses = useOutput((s) => s.main?.targetStatus ?? NO_STATUS);
  const restreaming = useOutput(selectRestreaming);
  const pending = useOutput((s) => s.pending);
  const ffmpegOk = useOutput((s) => s.main?.ffmpeg.ok ?? true);
  const [editing, setEditing] = useState<string | 'new' | null>(null);
  const enabledCount = targets.filter((x) => x.enabled).length;

  return (
    <div className="out-block" data-testid="restream">
      <div className="panel-head">
        <span className="out-subtitle">{t('output.restream.title')}</span>
        {restreaming ? (
          <button
            type="button"
            className="btn btn--danger btn--small"
            data-testid="restream-stop"
            disabled={pending === 'restream'}
            onClick={() => void output.stopRestream()}
          >
            {t('output.restream.stop')}
          </button>
        ) : (
          <button
            type="button"
            className="btn btn--primary btn--small"
            data-testid="restream-start"
            disabled={pending === 'restream' || enabledCount === 0 || !ffmpegOk}
            title={enabledCount === 0 ? t('output.restream.noneEnabled') : undefined}
            onClick={() => void output.startRestream()}
          >
            {t('output.restream.start', { count: enabledCount })}
          </button>
        )}
      </div>
      {targets.length === 0 && editing !== 'new' && <p className="hint">{t('output.restream.empty')}</p>}
      {targets.length > 0 && (
        <ul className="out-targets">
          {targets.map((target) =>
            editing === target.id ? (
              <li key={target.id} className="out-target">
                <TargetForm target={target} onDone={() => setEditing(null)} />
              </li>
            ) : (
              <TargetRow
                key={target.id}
                target={target}
                status={statuses.find((s) => s.id === target.id)}
                onEdit={() => setEditing(target.id)}
              />
            ),
          )}
        </ul>
      )}
      {editing === 'new' ? (
        <TargetForm target={null} onDone={() => setEditing(null)} />
      ) : (
        <button type="button" className="btn btn--ghost btn--small out-add" data-testid="target-add" onClick={() => setEditing('new')}>
          + {t('output.restream.add')}
        </button>
      )}
    </div>
  );
}

export function OutputPanel() {
  const { t } = useTranslation();
  const { output } = useStudio();
  const ffmpeg = useOutput((s) => s.main?.ffmpeg ?? null);
  const problem = useOutput((s) => s.problem);
  return (
    <section className="panel" data-testid="output-panel">
      <h2 className="panel-title">{t('output.title')}</h2>
      {ffmpeg && !ffmpeg.ok && <OutputErrorLine code="no_ffmpeg" message={ffmpeg.message} testId="ffmpeg-missing" />}
      {problem && (
        <div className="out-error" role="alert" data-testid="output-problem" data-code={problem.key}>
          <strong>{t(`output.errors.${problem.key}`)}</strong>
          {problem.detail && <span className="out-error-detail">{problem.detail}</span>}
          <button type="button" className="link-btn out-dismiss" onClick={() => output.dismissProblem()}>
            {t('errors.dismiss')}
          </button>
        </div>
      )}
      <RecordingBlock />
      <RestreamBlock />
    </section>
  );
}
