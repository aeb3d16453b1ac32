"""A local OpenAI-compatible transcription server for `make dev` and the e2e tests: faster-whisper
over weights a registry package shipped (assembled by scripts/bootstrap.sh), answering
`POST /v1/audio/transcriptions` as OpenAI does (https://platform.openai.com/docs/api-reference/audio)
for what the worker sends (edge-worker/src/domain/processing/transcribe.rs `openai_request`), and
`GET /health` once the model is loaded.

Verbatim by design: no VAD filter (every hesitation is speech to a rough cut), and the request's
`prompt` (the engine's disfluent verbatim prompt) as Whisper's initial prompt.

Usage: local-transcriber.py --model-dir DIR [--host 127.0.0.1] [--port 8789]
(or WHISPER_MODEL_DIR and TRANSCRIBER_PORT).
"""

import argparse
import email.parser
import email.policy
import io
import json
import os
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Nothing may reach a model hub: the model is a local directory, and this makes any attempt fail.
os.environ["HF_HUB_OFFLINE"] = "1"

from faster_whisper import WhisperModel  # noqa: E402 (after the offline switch)
from faster_whisper.audio import decode_audio  # noqa: E402
from faster_whisper.tokenizer import _LANGUAGE_CODES  # noqa: E402

# OpenAI takes files of at most 25 MB; the worker's chunks (10 min of 16-kHz s16) are 19.2 MB.
MAX_BODY_BYTES = 26 * 1024 * 1024
FORMATS = ("json", "text", "verbose_json")
FALLBACK_TEMPERATURES = [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]


class BadRequest(Exception):
    """A client error: its message is safe to send back."""

    def __init__(self, message, param=None, status=400):
        super().__init__(message)
        self.message, self.param, self.status = message, param, status


def error_body(message, param=None, kind="invalid_request_error"):
    return {"error": {"message": message, "type": kind, "param": param, "code": None}}


def parse_form(content_type, body):
    """The fields (lists of strings) and the `file` part's bytes of a multipart/form-data body."""
    if not content_type.lower().startswith("multipart/form-data"):
        raise BadRequest("The body must be multipart/form-data.")
    parser = email.parser.BytesParser(policy=email.policy.HTTP)
    message = parser.parsebytes(b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise BadRequest("The multipart body could not be read.")
    fields, file = {}, None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        if name == "file":
            file = payload
        else:
            fields.setdefault(name, []).append(payload.decode("utf-8", errors="replace"))
    if file is None:
        raise BadRequest("No audio: send it as the form's `file`.", "file")
    return fields, file


class Transcriber:
    """One model, one transcription at a time: CTranslate2 already uses every thread it is given,
    so a second concurrent request would only slow both."""

    def __init__(self, model_dir, threads, beam_size):
        self.model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)
        self.beam_size = beam_size
        self.lock = threading.Lock()

    def transcribe(self, fields, audio_bytes):
        first = lambda name: (fields.get(name) or [None])[0]  # noqa: E731
        response_format = first("response_format") or "json"
        if response_format not in FORMATS:
            raise BadRequest(f"response_format must be one of {', '.join(FORMATS)}.", "response_format")
        granularities = set(fields.get("timestamp_granularities[]", []) + fields.get("timestamp_granularities", []))
        if granularities - {"word", "segment"}:
            raise BadRequest("timestamp_granularities[] takes word and segment.", "timestamp_granularities[]")
        language = first("language") or None
        if language is not None and language not in _LANGUAGE_CODES:
            raise BadRequest(f"Unknown language {language!r}: give an ISO-639-1 code.", "language")
        try:
            temperature = float(first("temperature") or 0.0)
        except ValueError:
            raise BadRequest("temperature must be a number.", "temperature") from None
        if not 0.0 <= temperature <= 1.0:
            raise BadRequest("temperature must be between 0 and 1.", "temperature")
        # As OpenAI documents it: 0 means "from 0 up, while the output looks degenerate" (repeated
        # phrases, low log probability), which is what keeps greedy decoding out of loops.
        temperatures = FALLBACK_TEMPERATURES if temperature == 0.0 else [temperature]
        prompt = (first("prompt") or "").strip() or None
        try:
            audio = decode_audio(io.BytesIO(audio_bytes))
        except Exception:  # PyAV's errors for anything it cannot read
            raise BadRequest("The file is not audio that could be decoded.", "file") from None
        if audio.size == 0:
            raise BadRequest("The file holds no audio.", "file")
        with self.lock:
            segments, info = self.model.transcribe(
                audio,
                language=language,
                beam_size=self.beam_size,
                temperature=temperatures,
                word_timestamps="word" in granularities,
                # Each window is prompted with the text before it (the initial prompt stays at
                # its head while it fits), so a window that wrote its "uh"s keeps the next one
                # verbatim. Without it the prompt's style held for the first 30 s only: a real
                # 60-s lecture had 2 of its 5 fillers and neither of its 2 stutters written. A
                # window that loops is decoded again at a higher temperature (the fallbacks above,
                # when the caller asks for 0, as the worker does).
                condition_on_previous_text=True,
                vad_filter=False,
                # As the initial prompt, not as `hotwords` repeated before every window: that made
                # Whisper end windows early and skip the rest (79 s of a 10-min talk unwritten).
                initial_prompt=prompt,
            )
            segments = list(segments)
        return response_format, answer(segments, info, "word" in granularities)


def answer(segments, info, with_words):
    text = "".join(s.text for s in segments).strip()
    body = {
        "task": "transcribe",
        "language": info.language,
        "duration": round(info.duration, 3),
        "text": text,
        "segments": [
            {
                "id": s.id,
                "seek": s.seek,
                "start": round(s.start, 3),
                "end": round(s.end, 3),
                "text": s.text,
                "tokens": list(s.tokens),
                "temperature": s.temperature,
                "avg_logprob": s.avg_logprob,
                "compression_ratio": s.compression_ratio,
                "no_speech_prob": s.no_speech_prob,
            }
            for s in segments
        ],
    }
    if with_words:
        body["words"] = [
            {
                "word": w.word.strip(),
                "start": round(float(w.start), 3),
                "end": round(float(w.end), 3),
                "probability": round(float(w.probability), 4),
            }
            for s in segments
            for w in (s.words or [])
        ]
    return body


class Handler(BaseHTTPRequestHandler):
    server_version = "roughcut-local-transcriber"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        sys.stderr.write("transcriber: %s\n" % (format % args))

    def send_json(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_text(self, status, text):
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802 (http.server's name)
        if self.path == "/health":
            self.send_json(200, {"status": "ok"})
        else:
            self.send_json(404, error_body("Not found.", kind="not_found_error"))

    def do_POST(self):  # noqa: N802
        if self.path != "/v1/audio/transcriptions":
            self.drain()
            self.send_json(404, error_body("Not found.", kind="not_found_error"))
            return
        started = time.monotonic()
        try:
            body = self.read_body()
            fields, audio = parse_form(self.headers.get("Content-Type", ""), body)
            response_format, result = self.server.transcriber.transcribe(fields, audio)
        except BadRequest as error:
            self.send_json(error.status, error_body(error.message, error.param))
            return
        except Exception:  # logged here in full, never sent: the client gets a plain 500
            traceback.print_exc(file=sys.stderr)
            self.send_json(500, error_body("The transcription failed.", kind="server_error"))
            return
        elapsed = time.monotonic() - started
        duration = result["duration"] or 1e-9
        sys.stderr.write(
            f"transcriber: {duration:.1f} s of audio in {elapsed:.1f} s ({elapsed / duration:.2f}× real time)\n"
        )
        if response_format == "verbose_json":
            self.send_json(200, result)
        elif response_format == "json":
            self.send_json(200, {"text": result["text"]})
        else:
            self.send_text(200, result["text"])

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            raise BadRequest("Send a Content-Length, not a chunked body.", status=411)
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            raise BadRequest("A Content-Length is required.", status=411) from None
        if length > MAX_BODY_BYTES:
            self.close_connection = True
            raise BadRequest(f"The body exceeds {MAX_BODY_BYTES // (1024 * 1024)} MB.", "file", status=413)
        return self.rfile.read(length)

    def drain(self):
        try:
            length = min(int(self.headers.get("Content-Length", "0")), MAX_BODY_BYTES)
        except ValueError:
            length = 0
        self.rfile.read(length)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", default=os.environ.get("WHISPER_MODEL_DIR"))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("TRANSCRIBER_PORT", "8789")))
    parser.add_argument("--threads", type=int, default=2)
    # A beam of 5 (faster-whisper's default): greedy decoding was a fifth faster on 2 cores, but on
    # 10-min talks it lost whole 30-s windows to repeated phrases and to the prompt said back.
    parser.add_argument("--beam-size", type=int, default=5)
    args = parser.parse_args()
    if not args.model_dir or not os.path.isfile(os.path.join(args.model_dir, "model.bin")):
        parser.error("--model-dir (or WHISPER_MODEL_DIR) must name a directory with model.bin")
    transcriber = Transcriber(args.model_dir, args.threads, args.beam_size)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    server.transcriber = transcriber
    sys.stderr.write(f"transcriber: listening on http://{args.host}:{args.port}/v1\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
