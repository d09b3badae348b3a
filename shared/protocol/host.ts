/**
 * Studio host contract: what the studio renderer asks of the main-process services.
 * In Electron it travels over IPC (one preload method per message, channel = `host:<method>`);
 * in web mode over the authenticated local WebSocket HOST_WS_PATH served by the web host.
 * The same handler implementation (app/main/services) serves both.
 */
import { z } from 'zod';
import { ShowId } from '../domain/show';

export const HOST_WS_PATH = '/ws/host';
export const HOST_TOKEN_PARAM = 'hostToken';

export const Locale = z.enum(['zh-CN', 'en']);
export type Locale = z.infer<typeof Locale>;

export const OutputPreset = z.enum(['720p30', '1080p30']);
export type OutputPreset = z.infer<typeof OutputPreset>;
export const OUTPUT_PRESETS: Record<OutputPreset, { width: number; height: number; fps: number }> = {
  '720p30': { width: 1280, height: 720, fps: 30 },
  '1080p30': { width: 1920, height: 1080, fps: 30 },
};

export const StudioSettings = z.object({
  locale: Locale,
  output: OutputPreset,
  cameraId: z.string().max(256).nullable(),
  micId: z.string().max(256).nullable(),
  showTitle: z.string().max(120),
  /** Text layer drawn over the camera (shop name, slogan). */
  overlayText: z.string().max(120),
  /** Logo layer: a data: URL of a small image chosen by the streamer, or null. */
  logoDataUrl: z
    .string()
    .max(512 * 1024)
    .nullable(),
  /** Last show opened, so a studio restart can resume it. */
  lastShowId: ShowId.nullable(),
  /** Server to publish to. null = the local server started with the studio. */
  serverUrl: z.string().url().nullable(),
  /** Studio token for a remote server (the local one is read from its data dir). */
  studioToken: z.string().max(256).nullable(),
});
export type StudioSettings = z.infer<typeof StudioSettings>;

export const DEFAULT_SETTINGS: StudioSettings = {
  locale: 'zh-CN',
  output: '720p30',
  cameraId: null,
  micId: null,
  showTitle: '',
  overlayText: '',
  logoDataUrl: null,
  lastShowId: null,
  serverUrl: null,
  studioToken: null,
};

export const hostMethods = {
  'host.getInfo': {
    req: z.object({}),
    res: z.object({ version: z.string(), mode: z.enum(['electron', 'web']), platform: z.string() }),
  },
  /** Where to publish and with which credential. */
  'host.getConnection': {
    req: z.object({}),
    res: z.object({
      /** http(s) base of the server, e.g. http://127.0.0.1:8080 */
      serverUrl: z.string().url(),
      studioToken: z.string().nullable(),
    }),
  },
  'host.getSettings': { req: z.object({}), res: StudioSettings },
  'host.saveSettings': { req: z.object({ settings: StudioSettings.partial() }), res: StudioSettings },
  /** Open an http(s) URL (the viewer page) in the system browser. */
  'host.openExternal': {
    req: z.object({
      url: z
        .string()
        .url()
        .refine((u) => /^https?:\/\//.test(u), 'only http(s) URLs'),
    }),
    res: z.object({ opened: z.boolean() }),
  },
} as const;
export type HostMethods = typeof hostMethods;
export type HostMethod = keyof HostMethods;
export const HOST_METHOD_NAMES = Object.keys(hostMethods) as HostMethod[];

export const hostNotifications = {} as const;

/** IPC channel name for a host method (Electron). */
export function hostChannel(method: HostMethod): `host:${HostMethod}` {
  return `host:${method}`;
}
