import type { ViewerState, ViewerStore } from '../../store';

/** Carry a probe's session (its scratch store, see PlayerController.probe) over to the page's store. */
export function copySession(from: ViewerState, to: ViewerStore): void {
  const s = to.getState();
  if (from.show) s.showChanged(from.show);
  if (from.showId) s.setViewerCount(from.showId, from.viewerCount);
  if (from.showId) s.setPublisherConnected(from.showId, from.publisherConnected);
  s.overlaysSynced(from.pinned);
  s.setConnection(from.connection);
  s.setTransportState(from.transportState);
  if (from.audio) s.trackAdded('audio', from.audio);
  if (from.video) {
    s.trackAdded('video', from.video);
    if (from.layers) s.setLayers(from.video.consumerId, from.layers.spatial, from.layers.temporal);
  }
}
