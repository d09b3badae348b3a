/**
 * Program audio for the outputs until the compositor provides its mixed audio track: a WebAudio destination that
 * always yields one live audio track (silence without a microphone), so a microphone switch or unplug never changes
 * the track set under a running MediaRecorder.
 */
export class ProgramAudioMix {
  private ctx: AudioContext | null = null;
  private dest: MediaStreamAudioDestinationNode | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private mic: MediaStreamTrack | null = null;

  private ensure(): { ctx: AudioContext; dest: MediaStreamAudioDestinationNode } {
    if (!this.ctx || !this.dest) {
      this.ctx = new AudioContext({ sampleRate: 48_000, latencyHint: 'interactive' });
      this.dest = this.ctx.createMediaStreamDestination();
      this.dest.channelCount = 2;
      this.connect();
    }
    return { ctx: this.ctx, dest: this.dest };
  }

  private connect(): void {
    this.source?.disconnect();
    this.source = null;
    if (this.ctx && this.dest && this.mic && this.mic.readyState === 'live') {
      this.source = this.ctx.createMediaStreamSource(new MediaStream([this.mic]));
      this.source.connect(this.dest);
    }
  }

  /** The microphone changed (null = none). */
  setMic(track: MediaStreamTrack | null): void {
    this.mic = track;
    if (this.ctx) this.connect();
  }

  /** The mixed track (creates the AudioContext on first use; call from a user gesture so it may start). */
  track(): MediaStreamTrack {
    const { ctx, dest } = this.ensure();
    if (ctx.state === 'suspended') void ctx.resume().catch(() => {});
    const track = dest.stream.getAudioTracks()[0];
    if (!track) throw new Error('audio destination has no track');
    return track;
  }
}
