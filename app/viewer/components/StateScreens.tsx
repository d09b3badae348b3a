import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { useViewer, useViewerContext } from '../context';
import { selectErrorKind, selectStallReason } from '../selectors';
import { AlertIcon, ClockIcon, FlagIcon, SearchOffIcon, SignalOffIcon } from './icons';
import { dateTimeFormat, numberFormat } from '../../ui/format';

function Panel({
  icon,
  title,
  body,
  tone,
  children,
  testId,
}: {
  icon: ReactNode;
  title: string;
  body?: ReactNode;
  tone: 'neutral' | 'accent' | 'warn';
  children?: ReactNode;
  testId: string;
}) {
  return (
    <section className={`state-panel tone-${tone}`} data-testid={testId} role="status">
      <div className="state-icon">{icon}</div>
      <h2 className="state-title">{title}</h2>
      {body && <div className="state-body">{body}</div>}
      {children}
    </section>
  );
}

export function LoadingScreen({ overVideo }: { overVideo?: boolean }) {
  const { t } = useTranslation();
  const hasShow = useViewer((s) => s.show !== null);
  return (
    <div className={`state-layer ${overVideo ? 'state-layer--over-video' : 'state-layer--backdrop'}`}>
      <Panel
        icon={<span className="spinner spinner--large" />}
        title={hasShow ? t('state.loading.stream') : t('state.loading.title')}
        tone="neutral"
        testId="state-loading"
      />
    </div>
  );
}

export function ReconnectingOverlay() {
  const { t } = useTranslation();
  const reason = useViewer(selectStallReason) ?? 'network';
  // Too poor a connection is said plainly (not an endless spinner); the player keeps retrying by itself.
  const poor = reason === 'poor';
  return (
    <div className="state-layer state-layer--over-video state-layer--dim">
      <Panel
        icon={poor ? <SignalOffIcon width={30} height={30} /> : <span className="spinner spinner--large" />}
        title={t(poor ? 'state.reconnecting.poorTitle' : 'state.reconnecting.title')}
        body={t(`state.reconnecting.${reason}`)}
        tone={poor ? 'warn' : 'neutral'}
        testId={poor ? 'state-poor-connection' : 'state-reconnecting'}
      />
    </div>
  );
}

function useLocaleTime() {
  const { i18n } = useTranslation();
  return (ms: number) => dateTimeFormat(i18n.language, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }).format(ms);
}

export function ReadyScreen() {
  const { t } = useTranslation();
  const title = useViewer((s) => s.show?.title ?? '');
  return (
    <div className="state-layer state-layer--backdrop">
      <Panel
        icon={<ClockIcon width={30} height={30} />}
        title={t('state.ready.title')}
        tone="accent"
        testId="state-ready"
        body={
          <>
            <p className="state-show">{title}</p>
            <p>{t('state.ready.body')}</p>
          </>
        }
      >
        <div className="pulse-row" aria-hidden>
          <span />
          <span />
          <span />
        </div>
      </Panel>
    </div>
  );
}

function formatDuration(ms: number, lng: string): string {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  const fmt = (value: number, unit: 'hour' | 'minute') => numberFormat(lng, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
  return h > 0 ? `${fmt(h, 'hour')} ${m > 0 ? fmt(m, 'minute') : ''}`.trim() : fmt(m, 'minute');
}

export function EndedScreen() {
  const { t, i18n } = useTranslation();
  const show = useViewer((s) => s.show);
  const time = useLocaleTime();
  const duration = show?.startedAt && show.endedAt ? formatDuration(show.endedAt - show.startedAt, i18n.language) : null;
  return (
    <div className="state-layer state-layer--backdrop">
      <Panel
        icon={<FlagIcon width={30} height={30} />}
        title={t('state.ended.title')}
        tone="neutral"
        testId="state-ended"
        body={
          <>
            {show && <p className="state-show">{show.title}</p>}
            {show?.endedAt && (
              <p>
                {duration
                  ? t('state.ended.summary', { time: time(show.endedAt), duration })
                  : t('state.ended.at', { time: time(show.endedAt) })}
              </p>
            )}
            <p>{t('state.ended.thanks')}</p>
          </>
        }
      />
    </div>
  );
}

export function NotFoundScreen() {
  const { t } = useTranslation();
  const invalid = useViewer((s) => s.fatal?.kind === 'invalidId');
  return (
    <div className="state-layer state-layer--backdrop">
      <Panel
        icon={<SearchOffIcon width={30} height={30} />}
        title={t('state.notFound.title')}
        body={t(invalid ? 'state.notFound.invalid' : 'state.notFound.body')}
        tone="warn"
        testId="state-not-found"
      />
    </div>
  );
}

export function ErrorScreen() {
  const { t } = useTranslation();
  const { player } = useViewerContext();
  const kind = useViewer(selectErrorKind);
  const fatal = useViewer((s) => (s.fatal?.kind === 'error' ? s.fatal : null));
  const unsupported = fatal?.code === 'UNSUPPORTED';
  // A full show is not a fault: a waiting screen while the player keeps retrying.
  const text =
    kind === 'full'
      ? { title: t('state.error.fullTitle'), body: t('state.error.fullBody') }
      : kind === 'offline'
        ? { title: t('state.error.offlineTitle'), body: t('state.error.offlineBody') }
        : unsupported
          ? { title: t('state.error.unsupportedTitle'), body: t('state.error.unsupportedBody') }
          : { title: t('state.error.title'), body: t('state.error.body') };
  return (
    <div className="state-layer state-layer--backdrop">
      <Panel
        icon={
          kind === 'full' ? (
            <ClockIcon width={30} height={30} />
          ) : kind === 'offline' ? (
            <SignalOffIcon width={30} height={30} />
          ) : (
            <AlertIcon width={30} height={30} />
          )
        }
        title={text.title}
        body={text.body}
        tone={kind === 'full' ? 'accent' : 'warn'}
        testId={kind === 'full' ? 'state-full' : 'state-error'}
      >
        {fatal && !unsupported && kind !== 'full' && <code className="state-code">{fatal.code}</code>}
        {!unsupported && (
          <button
            type="button"
            className="btn btn--touch btn--primary state-action"
            onClick={() => (kind === 'offline' || kind === 'full' ? player?.reconnectNow() : location.reload())}
          >
            {t('state.error.retry')}
          </button>
        )}
      </Panel>
    </div>
  );
}
