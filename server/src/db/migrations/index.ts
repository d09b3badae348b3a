/**
 * Numbered schema migrations. Each runs inside one transaction and bumps `PRAGMA user_version` to its number;
 * a database already at or past a number skips it. Append only: never edit a migration that has shipped.
 */
import type { Database } from 'better-sqlite3';
import { m001Shows } from './001-shows';
import { m002Commerce } from './002-commerce';
import { m003Realtime } from './003-realtime';
import { m004Engagement } from './004-engagement';
import { m005SandboxOutbox } from './005-sandbox-outbox';
import { m006WebhookApplied } from './006-webhook-applied';
import { m007ShowEventLog } from './007-show-event-log';
import { m008ViewerEvents } from './008-viewer-events';
import { m009ShowMinutes } from './009-show-minutes';
import { m010AutoReply } from './010-auto-reply';
import { m011AnsweredAuto } from './011-answered-auto';
import { m012ShowOrigin } from './012-show-origin';
import { m013ViewerEventsShowIndex } from './013-viewer-events-show-index';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

export const migrations: readonly Migration[] = [
  m001Shows,
  m002Commerce,
  m003Realtime,
  m004Engagement,
  m005SandboxOutbox,
  m006WebhookApplied,
  m007ShowEventLog,
  m008ViewerEvents,
  m009ShowMinutes,
  m010AutoReply,
  m011AnsweredAuto,
  m012ShowOrigin,
  m013ViewerEventsShowIndex,
];
