//! The formats the engine reads through Symphonia's demuxers and decoders (MP3, ADTS AAC, FLAC,
//! Ogg Vorbis, WebM/Matroska audio): a `Read + Seek` view of a range source for them, and the
//! probe and decode results in the engine's own types.

use std::io::{self, Read, Seek, SeekFrom};

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::well_known as codec;
use symphonia::core::codecs::audio::{AudioCodecId, AudioDecoderOptions};
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, Track};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::units::TimeBase;

use super::decode::{PcmSink, PcmSpec};
use super::probe::{AudioInfo, TrackInfo, TrackKind, bits_per_second};
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::source::RangeSource;
use crate::time::TimeValue;

/// A cursor over a range source, for demuxers that want `Read + Seek`.
struct RangeCursor<'a> {
    source: &'a dyn RangeSource,
    position: u64,
}

impl Read for RangeCursor<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = self.source.len().saturating_sub(self.position);
        let len = (buf.len() as u64).min(available) as usize;
        self.source.read_exact_at(self.position, &mut buf[..len]).map_err(|e| io::Error::other(e.to_string()))?;
        self.position += len as u64;
        Ok(len)
    }
}

impl Seek for RangeCursor<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(delta) => self.source.len().checked_add_signed(delta),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        self.position = target.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.position)
    }
}

impl MediaSource for RangeCursor<'_> {
    fn is_seekable(&self) -> bool {
        true
    }

    fn byte_len(&self) -> Option<u64> {
        Some(self.source.len())
    }
}

fn open(source: &dyn RangeSource) -> Result<Box<dyn FormatReader + '_>> {
    let stream =
        MediaSourceStream::new(Box::new(RangeCursor { source, position: 0 }), MediaSourceStreamOptions::default());
    symphonia::default::get_probe()
        .probe(&Hint::new(), stream, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| EngineError::unsupported(format!("no demuxer reads this input: {e}")))
}

/// ffprobe's name of a codec.
fn codec_name(id: AudioCodecId) -> String {
    let known = [
        (codec::CODEC_ID_MP3, "mp3"),
        (codec::CODEC_ID_MP2, "mp2"),
        (codec::CODEC_ID_AAC, "aac"),
        (codec::CODEC_ID_FLAC, "flac"),
        (codec::CODEC_ID_VORBIS, "vorbis"),
        (codec::CODEC_ID_OPUS, "opus"),
        (codec::CODEC_ID_PCM_S16LE, "pcm_s16le"),
        (codec::CODEC_ID_PCM_F32LE, "pcm_f32le"),
    ];
    known
        .iter()
        .find(|(known, _)| *known == id)
        .map_or_else(|| format!("{id:?}").to_lowercase(), |(_, name)| (*name).to_owned())
}

fn ticks_to_time(ticks: u64, base: TimeBase) -> Option<TimeValue> {
    let value = ticks.checked_mul(u64::from(base.numer.get()))?;
    Some(TimeValue::new(value, base.denom.get()))
}

/// The track's own duration, else the container's (Matroska states it once, in its Info).
fn track_duration(track: &Track, reader: &dyn FormatReader) -> Option<TimeValue> {
    let own =
        track.time_base.and_then(|base| ticks_to_time(track.duration.map(|d| d.get()).or(track.num_frames)?, base));
    let media = reader.media_info();
    own.or_else(|| ticks_to_time(media.duration?.get(), media.time_base?))
}

pub fn probe(source: &dyn RangeSource, limits: &Limits) -> Result<(Option<TimeValue>, Vec<TrackInfo>)> {
    let reader = open(source)?;
    let tracks = reader.tracks();
    if tracks.len() > limits.max_tracks {
        return Err(EngineError::limit(format!("{} tracks (limit {})", tracks.len(), limits.max_tracks)));
    }
    let mut infos = Vec::new();
    for track in tracks {
        let Some(CodecParameters::Audio(params)) = &track.codec_params else {
            continue;
        };
        let duration = track_duration(track, reader.as_ref());
        let audio = AudioInfo {
            sample_rate: params.sample_rate.unwrap_or(0),
            channels: params.channels.as_ref().map_or(0, |c| c.count() as u16),
        };
        infos.push(TrackInfo {
            id: track.id,
            kind: TrackKind::Audio,
            codec: codec_name(params.codec),
            duration,
            bitrate: duration.and_then(|d| bits_per_second(source.len(), d)),
            video: None,
            audio: Some(audio),
        });
    }
    if infos.is_empty() {
        return Err(EngineError::unsupported("no audio track the engine reads"));
    }
    let duration = infos.iter().filter_map(|t| t.duration).max_by(|a, b| a.cmp_time(b));
    Ok((duration, infos))
}

pub fn decode(source: &dyn RangeSource, sink: &mut dyn PcmSink) -> Result<PcmSpec> {
    let mut reader = open(source)?;
    let track = reader
        .tracks()
        .iter()
        .find(|t| matches!(t.codec_params, Some(CodecParameters::Audio(_))))
        .ok_or_else(|| EngineError::unsupported("no audio track to decode"))?;
    let track_id = track.id;
    let Some(CodecParameters::Audio(params)) = &track.codec_params else {
        return Err(EngineError::unsupported("no audio track to decode"));
    };
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(|e| EngineError::unsupported(format!("{} audio cannot be decoded: {e}", codec_name(params.codec))))?;
    let channels = params.channels.as_ref().map_or(0, |c| c.count());
    let sample_rate = params.sample_rate.unwrap_or(0);
    if channels == 0 || sample_rate == 0 {
        return Err(EngineError::malformed("audio track without sample rate or channels"));
    }
    let spec = PcmSpec { sample_rate, channels };
    sink.start(spec)?;
    let mut interleaved: Vec<f32> = Vec::new();
    let mut decoded_any = false;
    loop {
        let packet = match reader.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            // A cut-off file ends where its data ends.
            Err(symphonia::core::errors::Error::IoError(_)) if decoded_any => break,
            Err(e) => return Err(EngineError::malformed(format!("demuxing: {e}"))),
        };
        if packet.track_id != track_id {
            continue;
        }
        match decoder.decode(&packet) {
            Ok(buffer) => {
                buffer.copy_to_vec_interleaved(&mut interleaved);
                decoded_any = true;
                // Gapless trims: encoder delay at the start, padding at the end.
                let frames = interleaved.len() / channels;
                let start = (packet.trim_start.get() as usize).min(frames);
                let end = frames - (packet.trim_end.get() as usize).min(frames - start);
                sink.samples(&interleaved[start * channels..end * channels]);
            }
            // A damaged packet is skipped; decoding continues with the next (Symphonia's contract).
            Err(symphonia::core::errors::Error::DecodeError(_)) => {}
            Err(e) => return Err(EngineError::malformed(format!("decoding: {e}"))),
        }
    }
    if !decoded_any {
        return Err(EngineError::malformed("no packet of the audio track could be decoded"));
    }
    Ok(spec)
}
