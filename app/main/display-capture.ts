/**
 * Screen / window capture for the studio in Electron (main process). Electron has no built-in picker for
 * getDisplayMedia: the studio lists sources with thumbnails (`display.listSources`), names the one it wants
 * (`display.select`, the screen_capture source's `sourceId`), then calls getDisplayMedia, which this module's
 * request handler answers with that source. Requests from anything but the studio page are refused.
 *
 * Electron only (desktopCapturer, session); the plain-Node host services reach it through the `DisplayCapture` seam.
 * Not exercised on the development machine, which cannot download the Electron binary.
 */
import { type DesktopCapturerSource, desktopCapturer, type Session, type WebFrameMain } from 'electron';
import type { DisplaySource } from '../../shared/protocol/host';
import type { DisplayCapture } from './services';

const THUMBNAIL = { width: 320, height: 180 };

function kindOf(id: string): 'screen' | 'window' {
  return id.startsWith('screen:') ? 'screen' : 'window';
}

export class ElectronDisplayCapture implements DisplayCapture {
  private selected: string | null = null;

  constructor(
    session: Session,
    /** Whether a getDisplayMedia request comes from the studio page. */
    private readonly isStudio: (frame: WebFrameMain | null, origin: string) => boolean,
    private readonly warn: (msg: string) => void,
  ) {
    session.setDisplayMediaRequestHandler(
      (request, callback) => {
        if (!this.isStudio(request.frame, request.securityOrigin)) {
          this.warn(`display capture refused for ${request.securityOrigin}`);
          callback({});
          return;
        }
        this.pick()
          .then((source) => {
            if (!source) this.warn(`display source ${this.selected ?? '(first screen)'} is not available`);
            callback(source ? { video: source } : {});
          })
          .catch((err: unknown) => {
            this.warn(`display capture failed: ${String(err)}`);
            callback({});
          });
      },
      { useSystemPicker: false },
    );
  }

  async list(kinds: readonly ('screen' | 'window')[]): Promise<DisplaySource[]> {
    const sources = await desktopCapturer.getSources({ types: [...kinds], thumbnailSize: THUMBNAIL, fetchWindowIcons: false });
    return sources.map((s) => ({
      id: s.id,
      name: s.name,
      kind: kindOf(s.id),
      thumbnail: s.thumbnail.isEmpty() ? null : s.thumbnail.toDataURL(),
    }));
  }

  select(sourceId: string | null): void {
    this.selected = sourceId;
  }

  /** The selected source, or the first screen when none is selected; null when it is gone. */
  private async pick(): Promise<DesktopCapturerSource | null> {
    const wanted = this.selected;
    const types: ('screen' | 'window')[] = wanted === null ? ['screen'] : [kindOf(wanted)];
    const sources = await desktopCapturer.getSources({ types, thumbnailSize: { width: 0, height: 0 } });
    if (wanted === null) return sources[0] ?? null;
    return sources.find((s) => s.id === wanted) ?? null;
  }
}
