/**
 * The viewer's mediasoup-client Device: loaded from the RTP capabilities the server embedded in the page (a local
 * capability probe that costs tens of ms) in parallel with connecting and joining, so the join can carry the page's
 * receive capabilities. The join reply's capabilities stay authoritative: if they differ, a fresh device is loaded.
 */
import { Device } from 'mediasoup-client';
import { RtpCapabilities } from '../../../../shared/protocol/mediasoup-params';
import { RTP_CAPABILITIES_ELEMENT_ID } from '../../../../shared/protocol/signaling';
import { routerCapabilities } from '../../../ui/mediasoup-adapters';
import { mark } from './marks';

/** A device loading from the page's embedded capabilities; `ready` once loaded. */
type PreloadedDevice = { caps: string; device: Promise<Device>; ready: Device | null };

export class DevicePreloader {
  private preloaded: PreloadedDevice | null = null;

  /** Start loading a device from the page's embedded capabilities (nothing without them). */
  preload(): void {
    const el = document.getElementById(RTP_CAPABILITIES_ELEMENT_ID);
    if (!el?.textContent) return;
    let raw: unknown;
    try {
      raw = JSON.parse(el.textContent);
    } catch {
      return;
    }
    const parsed = RtpCapabilities.safeParse(raw);
    if (!parsed.success) return;
    const device = new Device();
    const pre: PreloadedDevice = { caps: JSON.stringify(parsed.data), device: Promise.resolve(device), ready: null };
    pre.device = device.load({ routerRtpCapabilities: routerCapabilities(parsed.data) }).then(() => {
      pre.ready = device;
      mark('device-preloaded');
      return device;
    });
    pre.device.catch(() => {}); // a failure here only means load() loads its own device
    this.preloaded = pre;
  }

  /** The preloaded device once loaded, waiting at most `maxWaitMs` for it (null: none, failed or still loading). */
  async ready(maxWaitMs: number): Promise<Device | null> {
    const pre = this.preloaded;
    if (!pre) return null;
    if (pre.ready) return pre.ready;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), maxWaitMs);
    });
    try {
      return await Promise.race([pre.device, timeout]);
    } catch {
      return null;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The preloaded device if it matches the router's capabilities, else a newly loaded one. */
  async load(caps: RtpCapabilities): Promise<Device> {
    const pre = this.preloaded;
    this.preloaded = null; // one use: a rejoin after a reconnect loads its own device
    if (pre && pre.caps === JSON.stringify(caps)) {
      try {
        return await pre.device;
      } catch {
        /* fall through */
      }
    }
    const device = new Device();
    await device.load({ routerRtpCapabilities: routerCapabilities(caps) });
    mark('device-loaded');
    return device;
  }
}
