// What a cut looks like on the page: the transcript with removed words struck through, the list of
// removals (each one a button that plays the audio around it), and the waveform of the whole
// recording with the removed regions coloured by reason.

export const REASON_COLOURS = {
  silence: 'rgba(120, 120, 120, 0.45)',
  filler: 'rgba(220, 120, 0, 0.55)',
  restart: 'rgba(200, 30, 60, 0.5)',
  off_script: 'rgba(90, 60, 200, 0.5)',
  too_short: 'rgba(0, 130, 130, 0.45)',
};

/** The engine's envelope has one level per 10-ms hop. */
const HOPS_PER_SECOND = 100;

const seconds = (t) => Number(t).toFixed(2);

/** The removal covering most of `word`, or null when the cut keeps it. */
function removalOf(word, removed) {
  const middle = (word.start + word.end) / 2;
  return removed.find((r) => r.start <= middle && middle <= r.end) ?? null;
}

/** The words, each kept as text or removed as `<del>` (its reason in its title). */
export function showTranscript(element, words, removed) {
  const nodes = [];
  for (const word of words) {
    const removal = removalOf(word, removed);
    const node = document.createElement(removal ? 'del' : 'span');
    node.textContent = word.text;
    if (removal) node.title = `${removal.reason}, ${seconds(word.start)} s`;
    nodes.push(node, document.createTextNode(' '));
  }
  if (words.length === 0) nodes.push(document.createTextNode('No words: this cut was planned from the audio alone.'));
  element.replaceChildren(...nodes);
}

/** One item per removal, "reason start–end s", each a button that calls `onPick(removal)`. */
export function showRemoved(list, removed, onPick) {
  list.replaceChildren(
    ...removed.map((removal) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = `${removal.reason} ${seconds(removal.start)}–${seconds(removal.end)} s`;
      button.addEventListener('click', () => onPick(removal));
      item.append(button);
      return item;
    }),
  );
}

/**
 * The loudness envelope (hundredths of dBFS per hop, from the engine's `analyse`) drawn as one bar
 * per pixel column (the loudest hop in it), over the removed regions. One pass over the levels, so
 * an hour (360,000 hops) draws in a few milliseconds.
 */
export function drawWaveform(canvas, analysis, durationSeconds, removed) {
  const context = canvas.getContext('2d');
  const { width, height } = canvas;
  context.clearRect(0, 0, width, height);
  if (!(durationSeconds > 0)) return;
  for (const removal of removed) {
    context.fillStyle = REASON_COLOURS[removal.reason] ?? REASON_COLOURS.silence;
    const x = (removal.start / durationSeconds) * width;
    context.fillRect(x, 0, Math.max(1, ((removal.end - removal.start) / durationSeconds) * width), height);
  }
  if (!analysis) return;
  const levels = analysis.levels;
  const loudest = new Float32Array(width).fill(-100);
  for (let i = 0; i < levels.length; i += 1) {
    const column = Math.min(width - 1, Math.floor((i / HOPS_PER_SECOND / durationSeconds) * width));
    const db = levels[i] / 100;
    if (db > loudest[column]) loudest[column] = db;
  }
  context.fillStyle = '#1d3557';
  for (let x = 0; x < width; x += 1) {
    // −60 dBFS and below is the floor; 0 dBFS fills the height
    const share = Math.max(0, Math.min(1, (loudest[x] + 60) / 60));
    const bar = share * height;
    context.fillRect(x, (height - bar) / 2, 1, Math.max(1, bar));
  }
}
