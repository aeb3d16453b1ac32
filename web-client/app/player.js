// "Play cut" from the local audio, before the video upload ends: the recording's audio (the
// extracted proxy, or the file itself) decoded once by Web Audio, and each kept segment scheduled
// back to back on the audio clock with 5-ms fades at the joins, so the skips make no clicks and
// no gaps.

const FADE_SECONDS = 0.005;

export class CutPlayer {
  /** `audio`: encoded audio the browser decodes (m4a, mp3, wav), as a Blob or bytes. */
  constructor(audio) {
    this.audio = audio;
    this.context = null;
    this.buffer = null;
    this.playing = [];
    this.onEnded = () => {};
  }

  async #ready() {
    this.context ??= new AudioContext();
    if (this.context.state === 'suspended') await this.context.resume();
    if (!this.buffer) {
      const bytes = this.audio instanceof Blob ? await this.audio.arrayBuffer() : this.audio.slice().buffer;
      this.buffer = await this.context.decodeAudioData(bytes);
    }
  }

  /** Plays `spans` (`[{start, end}]` in seconds of the source) one after another. */
  async play(spans) {
    await this.#ready();
    this.stop();
    let at = this.context.currentTime + 0.05;
    for (const { start, end } of spans) {
      const length = Math.min(end, this.buffer.duration) - start;
      if (length <= 0) continue;
      const source = this.context.createBufferSource();
      const gain = this.context.createGain();
      source.buffer = this.buffer;
      source.connect(gain).connect(this.context.destination);
      const fade = Math.min(FADE_SECONDS, length / 2);
      gain.gain.setValueAtTime(0, at);
      gain.gain.linearRampToValueAtTime(1, at + fade);
      gain.gain.setValueAtTime(1, at + length - fade);
      gain.gain.linearRampToValueAtTime(0, at + length);
      source.start(at, start, length);
      this.playing.push(source);
      at += length;
    }
    const last = this.playing.at(-1);
    if (last) last.onended = () => this.onEnded();
  }

  /** Two seconds of the source around `seconds`. */
  playAround(seconds) {
    const start = Math.max(0, seconds - 1);
    return this.play([{ start, end: start + 2 }]);
  }

  stop() {
    for (const source of this.playing) {
      source.onended = null;
      source.stop();
    }
    this.playing = [];
  }

  get isPlaying() {
    return this.playing.length > 0;
  }
}
