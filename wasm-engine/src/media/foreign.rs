//! The formats the engine reads through Symphonia's demuxers and decoders (MP3, ADTS AAC, FLAC,
//! Ogg Vorbis and Opus, WebM/Matroska audio; Opus decoded by `opus`): a `Read + Seek` view of a
//! range source for them, and the probe and decode results in the engine's own types.

use std::io::{self, Read, Seek, SeekFrom};

use symphonia::core::codecs::CodecParameters;
use symphonia::core::codecs::audio::well_known as codec;
use symphonia::core::codecs::audio::{AudioCodecId, AudioCodecParameters, AudioDecoder, AudioDecoderOptions};
use symphonia::core::codecs::video::VideoCodecId;
use symphonia::core::codecs::video::well_known as video_codec;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, Track};
use symphonia::core::io::{MediaSource, MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::packet::Packet;
use symphonia::core::units::{Duration, TimeBase};

use super::decode::{PcmSink, PcmSpec, emit_silence};
use super::opus::{self, OpusDecoder};
use super::probe::{AudioInfo, TrackInfo, TrackKind, VideoInfo, bits_per_second};
use crate::error::{EngineError, Result};
use crate::limits::Limits;
use crate::source::RangeSource;
use crate::time::{Rational, TimeValue};

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

/// ffprobe's name of a codec: from `known`, else Symphonia's, lowercased.
fn ffprobe_name<Id: PartialEq + std::fmt::Debug>(id: Id, known: &[(Id, &str)]) -> String {
    known
        .iter()
        .find(|(known, _)| *known == id)
        .map_or_else(|| format!("{id:?}").to_lowercase(), |(_, name)| (*name).to_owned())
}

/// ffprobe's name of an audio codec.
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
    ffprobe_name(id, &known)
}

/// The rate a track decodes at: Opus always at 48 kHz, whatever its header says was recorded.
fn decoded_rate(params: &AudioCodecParameters) -> u32 {
    if params.codec == codec::CODEC_ID_OPUS { opus::SAMPLE_RATE } else { params.sample_rate.unwrap_or(0) }
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

/// An MP3 stream's bit rate as ffprobe reports it: the nominal rate in the header of the first
/// audio frame (after an ID3v2 tag and a LAME `Info` frame), not the file's average, which tags
/// skew. `None` for a VBR file (`Xing` frame; the average is right then) or anything unexpected.
fn mp3_nominal_bitrate(source: &dyn RangeSource) -> Option<u64> {
    let mut at = after_id3v2(source)?;
    for _ in 0..2 {
        let frame = Mp3Frame::read(source, at)?;
        let tag = source.read_vec(at + frame.side_info_end, 4).ok()?;
        match tag.as_slice() {
            b"Xing" => return None,
            b"Info" => at += frame.length,
            _ => return Some(frame.kbps * 1000),
        }
    }
    None
}

/// Where the MP3 data starts: after an ID3v2 tag (a 10-byte header, a syncsafe size, and a
/// 10-byte footer when flag 0x10 is set), if there is one.
fn after_id3v2(source: &dyn RangeSource) -> Option<u64> {
    let head = source.read_vec(0, source.len().min(10)).ok()?;
    Some(match head.get(..3) {
        Some(b"ID3") if head.len() == 10 => {
            let size = head[6..10].iter().fold(0u64, |size, &b| (size << 7) | u64::from(b & 0x7f));
            10 + size + if head[5] & 0x10 != 0 { 10 } else { 0 }
        }
        _ => 0,
    })
}

/// Trailing tags an MP3 file may end with after its last frame.
const MP3_TRAILERS: [&[u8]; 3] = [b"TAG", b"APETAGEX", b"LYRICS"];
/// How far the frames' count may stray from the stream's header before the count wins: the
/// header's figure leaves out the encoder's delay and padding (about 50 ms), as ffprobe does.
const MP3_HEADER_SLACK_MS: u64 = 1_000;

/// An MP3 stream's length counted frame by frame to the end of the file: what a decoder plays.
/// `None` unless the frames run from the first to the end of the file (or to a trailing tag), so
/// that nothing was skipped. The stream's own figure (Symphonia's) comes from a Xing header's
/// frame count, which a file may lack or misstate, or else from the first frame's bit rate,
/// which for a VBR file without the header was measured at 144 s of a 300-s recording: it
/// would be billed and cut as that.
fn mp3_counted_duration(source: &dyn RangeSource) -> Option<TimeValue> {
    let mut at = after_id3v2(source)?;
    let (mut samples, mut sample_rate) = (0u64, None);
    while at + 4 <= source.len() {
        let Some(frame) = Mp3Frame::read(source, at) else {
            // the frames end here: before a trailing tag, all were counted; anywhere else, the
            // decoder would look on past what could not be read
            let rest = source.read_vec(at, (source.len() - at).min(8)).ok()?;
            let trailer = MP3_TRAILERS.iter().any(|tag| rest.starts_with(tag));
            return if trailer { sample_rate.map(|rate| TimeValue::new(samples, rate)) } else { None };
        };
        if *sample_rate.get_or_insert(frame.sample_rate) != frame.sample_rate {
            return None; // a stream changing rate mid-way is not one we count
        }
        // a Xing or Info frame carries the header, no audio
        let tag = source.read_vec(at + frame.side_info_end, 4).ok()?;
        if !(samples == 0 && matches!(tag.as_slice(), b"Xing" | b"Info")) {
            samples += frame.samples;
        }
        at += frame.length;
    }
    sample_rate.map(|rate| TimeValue::new(samples, rate))
}

/// An MP3 stream's counted length where its stated one (`stated`, Symphonia's) is missing or
/// wrong by more than `MP3_HEADER_SLACK_MS`; `None` where the stated length holds.
fn mp3_recount(source: &dyn RangeSource, stated: Option<TimeValue>) -> Option<TimeValue> {
    let counted = mp3_counted_duration(source)?;
    stated.is_none_or(|stated| counted.millis().abs_diff(stated.millis()) > MP3_HEADER_SLACK_MS).then_some(counted)
}

/// What one Layer III frame header says.
struct Mp3Frame {
    kbps: u64,
    length: u64,
    /// Where the side information ends (a LAME tag starts there).
    side_info_end: u64,
    sample_rate: u32,
    /// Audio samples per channel: 1152 in MPEG-1, 576 in MPEG-2 and 2.5.
    samples: u64,
}

impl Mp3Frame {
    fn read(source: &dyn RangeSource, at: u64) -> Option<Self> {
        let header = source.read_vec(at, 4).ok()?;
        if header[0] != 0xff || header[1] & 0xe0 != 0xe0 || (header[1] >> 1) & 0b11 != 0b01 {
            return None; // no frame sync, or not Layer III
        }
        const MPEG1_KBPS: [u64; 15] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
        const MPEG2_KBPS: [u64; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
        let version = (header[1] >> 3) & 0b11; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
        let mpeg1 = version == 0b11;
        let kbps = *(if mpeg1 { &MPEG1_KBPS } else { &MPEG2_KBPS }).get(usize::from(header[2] >> 4))?;
        let base_rate = [44_100u32, 48_000, 32_000].get(usize::from((header[2] >> 2) & 0b11)).copied()?;
        let sample_rate = match version {
            0b11 => base_rate,
            0b10 => base_rate / 2,
            _ => base_rate / 4,
        };
        let padding = u64::from((header[2] >> 1) & 1);
        let rate = u64::from(sample_rate);
        let length = if mpeg1 { 144_000 * kbps / rate } else { 72_000 * kbps / rate } + padding;
        let mono = header[3] >> 6 == 0b11;
        let side_info = match (mpeg1, mono) {
            (true, false) => 32,
            (true, true) | (false, false) => 17,
            (false, true) => 9,
        };
        let samples = if mpeg1 { 1152 } else { 576 };
        (kbps > 0 && length > 4).then_some(Self { kbps, length, side_info_end: 4 + side_info, sample_rate, samples })
    }
}

/// Frames whose times give a video track's rate: two seconds at 60 fps.
const RATE_SAMPLE_FRAMES: usize = 120;

/// What reading a file's packets tells that its headers may not: where each track's last packet
/// ends, and the times of a video track's first frames (Matroska states a frame rate only as an
/// optional DefaultDuration, which Symphonia does not report).
#[derive(Debug, Default)]
struct PacketScan {
    ends: Vec<(u32, u64)>,
    frame_times: Vec<i64>,
}

/// Reads packets: to the end of the file when `to_the_end` (what a player plays of a stream
/// whose container states no length, e.g. a live WebM as a browser's MediaRecorder writes it: no
/// Duration in its Info, no Cues), else only until `video`'s first frames are seen.
fn scan_packets(reader: &mut dyn FormatReader, video: Option<u32>, to_the_end: bool) -> PacketScan {
    let mut scan = PacketScan::default();
    // A damaged tail ends the scan where the readable packets end, as it ends a decode.
    while to_the_end || (video.is_some() && scan.frame_times.len() < RATE_SAMPLE_FRAMES) {
        let Ok(Some(packet)) = reader.next_packet() else { break };
        if Some(packet.track_id) == video && scan.frame_times.len() < RATE_SAMPLE_FRAMES {
            scan.frame_times.push(packet.pts.get());
        }
        let end = u64::try_from(packet.pts.get()).unwrap_or(0).saturating_add(packet.dur.get());
        match scan.ends.iter_mut().find(|(track, _)| *track == packet.track_id) {
            Some((_, latest)) => *latest = end.max(*latest),
            None => scan.ends.push((packet.track_id, end)),
        }
    }
    scan
}

/// The rates a camera or an encoder records at, as ffprobe's `r_frame_rate` states them.
const STANDARD_RATES: [(u64, u64); 10] =
    [(24_000, 1001), (24, 1), (25, 1), (30_000, 1001), (30, 1), (48, 1), (50, 1), (60_000, 1001), (60, 1), (120, 1)];

/// A video track's frame rate from its first frames' times, and whether it varies: Matroska's
/// times are rounded to its timecode scale (1 ms), so 30 fps reads as steps of 33 and 34 ms,
/// and the average is taken to the nearest standard rate within 0.05 % of it (30 and 30000/1001
/// are 0.1 % apart; a 1-ms rounding over the 120 frames read, 2 s at 60 fps, is 0.05 % at most).
fn rate_of_frames(times: &[i64], base: TimeBase) -> (Rational, bool) {
    let mut times = times.to_vec();
    times.sort_unstable(); // B-frames come in decode order
    let steps: Vec<i64> = times.windows(2).map(|pair| pair[1] - pair[0]).collect();
    let (Some(&shortest), Some(&longest)) = (steps.iter().min(), steps.iter().max()) else {
        return (Rational::new(0, 1), false);
    };
    let span = u128::try_from(times[times.len() - 1] - times[0]).unwrap_or(0) * u128::from(base.numer.get());
    if span == 0 {
        return (Rational::new(0, 1), false);
    }
    let measured = Rational::from_wide(steps.len() as u128 * u128::from(base.denom.get()), span);
    let fps = measured.num as f64 / measured.den as f64;
    let off = |&(num, den): &(u64, u64)| (fps * den as f64 / num as f64 - 1.0).abs();
    let nearest = STANDARD_RATES.iter().min_by(|a, b| off(a).total_cmp(&off(b))).filter(|rate| off(rate) < 0.0005);
    let rate = nearest.map_or(measured, |&(num, den)| Rational::new(num, den));
    (rate, longest - shortest > 2)
}

/// ffprobe's name of a video codec.
fn video_codec_name(id: VideoCodecId) -> String {
    let known = [
        (video_codec::CODEC_ID_H264, "h264"),
        (video_codec::CODEC_ID_HEVC, "hevc"),
        (video_codec::CODEC_ID_VP8, "vp8"),
        (video_codec::CODEC_ID_VP9, "vp9"),
        (video_codec::CODEC_ID_AV1, "av1"),
    ];
    ffprobe_name(id, &known)
}

pub fn probe(source: &dyn RangeSource, limits: &Limits) -> Result<(Option<TimeValue>, Vec<TrackInfo>)> {
    let mut reader = open(source)?;
    let unstated = reader.tracks().iter().any(|track| track_duration(track, reader.as_ref()).is_none());
    let video =
        reader.tracks().iter().find(|t| matches!(t.codec_params, Some(CodecParameters::Video(_)))).map(|t| t.id);
    let scan = scan_packets(reader.as_mut(), video, unstated);
    let tracks = reader.tracks();
    if tracks.len() > limits.max_tracks {
        return Err(EngineError::limit(format!("{} tracks (limit {})", tracks.len(), limits.max_tracks)));
    }
    let mut infos = Vec::new();
    for track in tracks {
        let counted = scan.ends.iter().find(|(id, _)| *id == track.id);
        let stated = track_duration(track, reader.as_ref()).or_else(|| ticks_to_time(counted?.1, track.time_base?));
        let params = match &track.codec_params {
            Some(CodecParameters::Audio(params)) => params,
            Some(CodecParameters::Video(params)) if Some(track.id) == video => {
                let (frame_rate, variable_frame_rate) = track
                    .time_base
                    .map_or((Rational::new(0, 1), false), |base| rate_of_frames(&scan.frame_times, base));
                let picture = VideoInfo {
                    width: params.width.map_or(0, u32::from),
                    height: params.height.map_or(0, u32::from),
                    frame_rate,
                    variable_frame_rate,
                    rotation: 0,
                };
                infos.push(TrackInfo {
                    id: track.id,
                    kind: TrackKind::Video,
                    codec: video_codec_name(params.codec),
                    duration: stated,
                    bitrate: None,
                    video: Some(picture),
                    audio: None,
                });
                continue;
            }
            _ => continue,
        };
        let duration = match params.codec {
            codec::CODEC_ID_MP3 => mp3_recount(source, stated).or(stated),
            _ => stated,
        };
        let audio = AudioInfo {
            sample_rate: decoded_rate(params),
            channels: params.channels.as_ref().map_or(0, |c| c.count() as u16),
        };
        infos.push(TrackInfo {
            id: track.id,
            kind: TrackKind::Audio,
            codec: codec_name(params.codec),
            duration,
            bitrate: match params.codec {
                codec::CODEC_ID_MP3 => mp3_nominal_bitrate(source),
                _ => None,
            }
            .or_else(|| duration.and_then(|d| bits_per_second(source.len(), d))),
            video: None,
            audio: Some(audio),
        });
    }
    // a picture without sound (a screen recording) is media too; subtitles alone are not
    if infos.is_empty() {
        return Err(EngineError::unsupported("no audio or video track the engine reads"));
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
    let Some(CodecParameters::Audio(params)) = &track.codec_params else {
        return Err(EngineError::unsupported("no audio track to decode"));
    };
    // An MP3 whose stated length is wrong: Symphonia trims every packet past it to nothing, and
    // a player plays them all (as ffmpeg does), so its trims and promise are not kept.
    let recounted =
        params.codec == codec::CODEC_ID_MP3 && mp3_recount(source, track_duration(track, reader.as_ref())).is_some();
    let (track_id, promised_frames) = (track.id, track.num_frames.filter(|_| !recounted));
    let channels = params.channels.as_ref().map_or(0, |c| c.count());
    let is_opus = params.codec == codec::CODEC_ID_OPUS;
    let sample_rate = decoded_rate(params);
    if channels == 0 || sample_rate == 0 {
        return Err(EngineError::malformed("audio track without sample rate or channels"));
    }
    let mut decoder = if is_opus {
        TrackDecoder::Opus(Box::new(OpusDecoder::new(channels)?))
    } else {
        TrackDecoder::Symphonia(
            symphonia::default::get_codecs().make_audio_decoder(params, &AudioDecoderOptions::default()).map_err(
                |e| EngineError::unsupported(format!("{} audio cannot be decoded: {e}", codec_name(params.codec))),
            )?,
        )
    };
    // An Opus stream's pre-skip (the encoder's delay), which neither demuxer trims from the
    // packets: Ogg's states it as the track's delay (and counts it in the track's frames),
    // Matroska's only in the codec's header. Matroska's end padding (its blocks' DiscardPadding,
    // under one 20-ms packet of silence) is not read by Symphonia and stays.
    let mut unskipped = match track.delay {
        _ if !is_opus => 0,
        Some(delay) => u64::from(delay),
        None => params.extra_data.as_deref().map_or(0, opus::pre_skip),
    };
    let promised_frames = promised_frames.map(|frames| frames.saturating_sub(unskipped));
    let spec = PcmSpec { sample_rate, channels };
    sink.start(spec)?;
    let mut interleaved: Vec<f32> = Vec::new();
    let mut decoded_any = false;
    let mut decoded_frames = 0u64;
    loop {
        let mut packet = match reader.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            // A cut-off file ends where its data ends.
            Err(symphonia::core::errors::Error::IoError(_)) if decoded_any => break,
            Err(e) => return Err(EngineError::malformed(format!("demuxing: {e}"))),
        };
        if packet.track_id != track_id {
            continue;
        }
        // The trims are applied here, not by the decoder (Symphonia's MP3 decoder applies them,
        // its AAC one does not, and applied twice they ate an MP3's first and last frames).
        let trims = if recounted { (0, 0) } else { (packet.trim_start.get(), packet.trim_end.get()) };
        (packet.trim_start, packet.trim_end) = (Duration::ZERO, Duration::ZERO);
        // A damaged packet is skipped; decoding continues with the next (Symphonia's contract).
        let Some(samples) = decoder.decode(&packet, &mut interleaved)? else {
            continue;
        };
        decoded_any = true;
        // Gapless trims: encoder delay at the start, padding at the end.
        let frames = samples.len() / channels;
        let skipped = frames.min(unskipped as usize);
        unskipped -= skipped as u64;
        let start = (trims.0 as usize + skipped).min(frames);
        let end = frames - (trims.1 as usize).min(frames - start);
        sink.samples(&samples[start * channels..end * channels]);
        decoded_frames += (end - start) as u64;
    }
    if !decoded_any {
        return Err(EngineError::malformed("no packet of the audio track could be decoded"));
    }
    // The probe's duration is the frame count the stream's header promises (an MP3's Info tag,
    // without the encoder's delay and padding), and cuts are planned against it; the decoder can
    // end a little short of it (288 of 352,800 frames for an 8-s libmp3lame file). Short by at
    // most two MPEG frames, the end is filled with silence so that the two agree; a file cut off
    // earlier ends where its data ends.
    let missing = promised_frames.map_or(0, |promised| promised.saturating_sub(decoded_frames));
    if missing <= MAX_FILLED_FRAMES {
        emit_silence(sink, spec, missing);
    }
    Ok(spec)
}

/// What decodes a track's packets: Symphonia's decoder of its codec, or Opus's.
enum TrackDecoder {
    Symphonia(Box<dyn AudioDecoder>),
    Opus(Box<OpusDecoder>),
}

impl TrackDecoder {
    /// The interleaved samples of `packet` (held in `buffer` or the decoder); `None` for a damaged
    /// packet.
    fn decode<'a>(&'a mut self, packet: &Packet, buffer: &'a mut Vec<f32>) -> Result<Option<&'a [f32]>> {
        match self {
            Self::Symphonia(decoder) => match decoder.decode(packet) {
                Ok(decoded) => {
                    decoded.copy_to_vec_interleaved(buffer);
                    Ok(Some(buffer.as_slice()))
                }
                Err(symphonia::core::errors::Error::DecodeError(_)) => Ok(None),
                Err(e) => Err(EngineError::malformed(format!("decoding: {e}"))),
            },
            Self::Opus(decoder) => Ok(decoder.decode(&packet.data)),
        }
    }
}

/// Two MPEG-1 Layer III frames: the most a decoder's end may differ from the promised length.
const MAX_FILLED_FRAMES: u64 = 2 * 1152;

#[cfg(test)]
mod tests {
    use std::num::NonZero;

    use super::*;

    const MILLIS: TimeBase = TimeBase { numer: NonZero::<u32>::MIN, denom: NonZero::new(1000).expect("nonzero") };

    fn millis_of_frames(count: u32, fps: f64) -> Vec<i64> {
        (0..count).map(|frame| (f64::from(frame) * 1000.0 / fps).round() as i64).collect()
    }

    #[test]
    fn a_rate_is_read_from_frame_times_rounded_to_milliseconds() {
        for (fps, expected) in [(30.0, "30/1"), (30_000.0 / 1001.0, "30000/1001"), (25.0, "25/1"), (60.0, "60/1")] {
            let (rate, variable) = rate_of_frames(&millis_of_frames(120, fps), MILLIS);
            assert_eq!((rate.to_string(), variable), (expected.to_owned(), false), "{fps}");
        }
        // in decode order, B-frames before the frames they follow
        let mut reordered = millis_of_frames(120, 24.0);
        reordered.swap(1, 3);
        assert_eq!(rate_of_frames(&reordered, MILLIS).0.to_string(), "24/1");
    }

    #[test]
    fn a_browsers_irregular_frames_are_variable_and_averaged() {
        // MediaRecorder stamps frames as they come: 33 ms mostly, a stall of 90 ms now and then
        let times: Vec<i64> = (0..120)
            .scan(0, |at, frame| {
                *at += if frame % 10 == 9 { 90 } else { 33 };
                Some(*at)
            })
            .collect();
        // 119 steps: 107 of 33 ms and 12 of 90 ms
        assert_eq!(rate_of_frames(&times, MILLIS), (Rational::new(119_000, 4611), true));
        assert_eq!(rate_of_frames(&[5], MILLIS), (Rational::new(0, 1), false), "one frame has no rate");
    }
}
