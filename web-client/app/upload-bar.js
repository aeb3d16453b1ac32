// One upload's progress on the page: a <progress> with the bytes, speed and time left beside it.

const mb = (bytes) => (bytes / 1e6).toFixed(1);

export class UploadBar {
  constructor(progress, status) {
    this.progress = progress;
    this.status = status;
  }

  reset() {
    this.progress.value = 0;
    this.status.textContent = '';
  }

  /** `{bytesUploaded, bytesTotal, speed, eta}` as the SDK reports it. */
  show({ bytesUploaded, bytesTotal, speed, eta }) {
    this.progress.value = bytesTotal > 0 ? Math.floor((bytesUploaded / bytesTotal) * 100) : 0;
    const left = eta == null ? '' : `, ${Math.ceil(eta)} s left`;
    this.status.textContent = `${mb(bytesUploaded)} of ${mb(bytesTotal)} MB, ${mb(speed)} MB/s${left}`;
  }

  done() {
    this.progress.value = 100;
    this.status.textContent = 'Uploaded.';
  }

  paused() {
    this.status.textContent = `Paused at ${this.progress.value}%.`;
  }

  notNeeded() {
    this.status.textContent = 'Not needed: the recording is its own audio.';
  }
}
