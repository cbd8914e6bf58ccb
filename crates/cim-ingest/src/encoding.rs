//! Choosing and applying a text encoding.
//!
//! Two strategies, picked per file:
//! * per record: the file's bytes are split into records first and each
//!   record is decoded on its own, so one bad row cannot poison the file and
//!   the quarantine keeps the original bytes. Safe when the encoding is
//!   single-byte, or ASCII compatible and every structural byte (delimiter,
//!   quote, escape, comment, newline) is below 0x30, where no multi-byte
//!   trail byte can fall.
//! * stream: the whole file is transcoded to UTF-8 before parsing (UTF-16,
//!   ISO-2022-JP, or e.g. Shift_JIS with a `\` escape). Malformed sequences
//!   become U+FFFD and their output offsets are remembered, so the record that
//!   contains one is still quarantined.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Chain, Cursor, Read};
use std::path::Path;

use encoding_rs::{DecoderResult, Encoding, UTF_8};

use crate::error::{Error, io_err};
use crate::options::SourceOptions;

/// How decoded text is obtained from a file's bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Decoding {
    /// UTF-8 validated per record.
    Utf8,
    /// UTF-8, and records that are not valid UTF-8 are decoded with the
    /// fallback encoding (`encoding = "auto"`).
    Utf8OrFallback(&'static Encoding),
    /// Records decoded one by one with this ASCII-compatible encoding.
    PerRecord(&'static Encoding),
    /// The input stream is transcoded from this encoding; records are UTF-8.
    Stream(&'static Encoding),
}

/// Outcome of decoding one record.
pub(crate) enum Decoded<'a> {
    /// Every field decoded; `bool` tells whether the fallback was used.
    Ok(Vec<Cow<'a, str>>, bool),
    /// Field at this 0-based index is invalid in the encoding.
    Invalid(usize),
}

/// The encoding decision for one file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EncodingPlan {
    pub decoding: Decoding,
    /// Length of the byte-order mark skipped at the start of the file.
    pub bom_len: usize,
    pub replace: bool,
}

impl EncodingPlan {
    /// Name of the encoding used, for reports.
    pub fn name(&self) -> String {
        match self.decoding {
            Decoding::Utf8 => "UTF-8".to_owned(),
            Decoding::Utf8OrFallback(fb) => format!("UTF-8 (fallback {})", fb.name()),
            Decoding::PerRecord(e) | Decoding::Stream(e) => e.name().to_owned(),
        }
    }

    /// The encoding in which invalid bytes are reported.
    pub fn encoding_name(&self) -> &'static str {
        match self.decoding {
            Decoding::Utf8 | Decoding::Utf8OrFallback(_) => "UTF-8",
            Decoding::PerRecord(e) | Decoding::Stream(e) => e.name(),
        }
    }

    /// Decodes one value; `None` when it is invalid (and replacement is off).
    pub fn decode_one<'a>(&self, bytes: &'a [u8]) -> Option<(Cow<'a, str>, bool)> {
        match self.decode_record(&[bytes]) {
            Decoded::Ok(mut v, fb) => Some((v.pop().unwrap_or_default(), fb)),
            Decoded::Invalid(_) => None,
        }
    }

    /// Decodes the fields of one record. Under `Utf8OrFallback` the whole
    /// record switches to the fallback as soon as one field is not UTF-8: a
    /// record comes from one system, in one encoding.
    pub fn decode_record<'a>(&self, fields: &[&'a [u8]]) -> Decoded<'a> {
        match self.decoding {
            Decoding::Utf8 | Decoding::Stream(_) => {
                let mut out = Vec::with_capacity(fields.len());
                for (i, f) in fields.iter().enumerate() {
                    match std::str::from_utf8(f) {
                        Ok(s) => out.push(Cow::Borrowed(s)),
                        Err(_) if self.replace => out.push(String::from_utf8_lossy(f)),
                        Err(_) => return Decoded::Invalid(i),
                    }
                }
                Decoded::Ok(out, false)
            }
            Decoding::Utf8OrFallback(fb) => {
                let mut out = Vec::with_capacity(fields.len());
                for f in fields {
                    match std::str::from_utf8(f) {
                        Ok(s) => out.push(Cow::Borrowed(s)),
                        Err(_) => {
                            return match decode_with(fb, fields, self.replace) {
                                Decoded::Ok(v, _) => Decoded::Ok(v, true),
                                bad => bad,
                            };
                        }
                    }
                }
                Decoded::Ok(out, false)
            }
            Decoding::PerRecord(enc) => decode_with(enc, fields, self.replace),
        }
    }
}

fn decode_with<'a>(enc: &'static Encoding, fields: &[&'a [u8]], replace: bool) -> Decoded<'a> {
    let mut out = Vec::with_capacity(fields.len());
    for (i, f) in fields.iter().enumerate() {
        if replace {
            out.push(enc.decode_without_bom_handling(f).0);
        } else {
            match enc.decode_without_bom_handling_and_without_replacement(f) {
                Some(s) => out.push(s),
                None => return Decoded::Invalid(i),
            }
        }
    }
    Decoded::Ok(out, false)
}

/// Resolves an encoding label; `auto` (or empty) gives `None`.
pub(crate) fn resolve_label(source: &str, label: &str) -> Result<Option<&'static Encoding>, Error> {
    let l = label.trim();
    if l.is_empty() || l.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    let alias = match l.to_ascii_lowercase().as_str() {
        // WHATWG knows these under other names.
        "latin-1" | "iso8859-1" => "latin1",
        "cp936" => "gbk",
        "cp932" | "sjis" => "shift_jis",
        "cp949" | "uhc" => "euc-kr",
        "cp1252" => "windows-1252",
        "utf16" => "utf-16",
        "utf16le" => "utf-16le",
        "utf16be" => "utf-16be",
        _ => l,
    }
    .to_owned();
    Encoding::for_label_no_replacement(alias.as_bytes())
        .map(Some)
        .ok_or_else(|| Error::Config {
            source_name: source.to_owned(),
            message: format!("unknown encoding `{label}`"),
        })
}

/// Whether records can be split on raw bytes and decoded one by one.
pub(crate) fn per_record_safe(enc: &'static Encoding, structural: &[u8]) -> bool {
    enc == UTF_8
        || enc.is_single_byte()
        || (enc.is_ascii_compatible() && structural.iter().all(|&b| b < 0x30))
}

/// The encoding a file's bytes are in, before deciding how to decode them:
/// BOM first, then the declared encoding, else UTF-8.
pub(crate) fn sniff_encoding(
    opts: &SourceOptions,
    prefix: &[u8],
) -> Result<(&'static Encoding, usize, bool), Error> {
    let declared = resolve_label(&opts.name, &opts.encoding)?;
    if let Some((enc, len)) = Encoding::for_bom(prefix) {
        return Ok((enc, len, declared.is_none()));
    }
    Ok((declared.unwrap_or(UTF_8), 0, declared.is_none()))
}

/// Chooses the decoding for a file whose first bytes are `prefix`, given the
/// structural bytes of its format.
pub(crate) fn plan(
    opts: &SourceOptions,
    prefix: &[u8],
    structural: &[u8],
) -> Result<EncodingPlan, Error> {
    let (enc, bom_len, auto) = sniff_encoding(opts, prefix)?;
    let fallback = if auto && bom_len == 0 {
        match &opts.fallback_encoding {
            Some(l) => resolve_label(&opts.name, l)?,
            None => None,
        }
    } else {
        None
    };
    let decoding = if enc == UTF_8 {
        match fallback {
            Some(fb) if fb != UTF_8 => {
                if !per_record_safe(fb, structural) {
                    return Err(Error::Config {
                        source_name: opts.name.clone(),
                        message: format!(
                            "fallback encoding {} cannot be used with this delimiter/quote/escape; declare the encoding instead of `auto`",
                            fb.name()
                        ),
                    });
                }
                Decoding::Utf8OrFallback(fb)
            }
            _ => Decoding::Utf8,
        }
    } else if per_record_safe(enc, structural) {
        Decoding::PerRecord(enc)
    } else {
        Decoding::Stream(enc)
    };
    Ok(EncodingPlan {
        decoding,
        bom_len,
        replace: opts.replace_invalid,
    })
}

/// A file opened for reading, with its first bytes already buffered.
pub(crate) type RawInput = Chain<Cursor<Vec<u8>>, File>;

/// Opens a file and reads up to `n` bytes of it. Errors on a missing or
/// empty file.
pub(crate) fn open_with_prefix(
    source: &str,
    path: &Path,
    file: &str,
    n: usize,
) -> Result<(Vec<u8>, File), Error> {
    let mut f = File::open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::NotFound {
            Error::NotFound {
                source_name: source.to_owned(),
                path: path.to_owned(),
            }
        } else {
            io_err(source, file, e)
        }
    })?;
    let mut prefix = Vec::with_capacity(n);
    (&mut f)
        .take(n as u64)
        .read_to_end(&mut prefix)
        .map_err(|e| io_err(source, file, e))?;
    if prefix.is_empty() {
        return Err(Error::EmptyFile {
            source_name: source.to_owned(),
            file: file.to_owned(),
        });
    }
    Ok((prefix, f))
}

/// The byte stream a text parser reads: the file itself, or the file
/// transcoded to UTF-8.
pub(crate) enum TextInput {
    Plain(RawInput),
    Transcoded(Box<Transcoder<RawInput>>),
}

impl TextInput {
    /// Builds the input for `plan`, skipping the BOM.
    pub fn new(mut prefix: Vec<u8>, file: File, plan: &EncodingPlan) -> Self {
        prefix.drain(..plan.bom_len);
        let raw = Cursor::new(prefix).chain(file);
        match plan.decoding {
            Decoding::Stream(enc) => Self::Transcoded(Box::new(Transcoder::new(raw, enc))),
            _ => Self::Plain(raw),
        }
    }

    /// Whether any malformed sequence was replaced in the output byte range
    /// `start..end`. Ranges must be asked for in increasing order; offsets
    /// before `end` are forgotten.
    pub fn malformed_in(&mut self, start: u64, end: u64) -> bool {
        match self {
            Self::Plain(_) => false,
            Self::Transcoded(t) => {
                let mut hit = false;
                while let Some(&off) = t.malformed.front() {
                    if off >= end {
                        break;
                    }
                    hit |= off >= start;
                    t.malformed.pop_front();
                }
                hit
            }
        }
    }
}

impl Read for TextInput {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(r) => r.read(buf),
            Self::Transcoded(t) => t.read(buf),
        }
    }
}

/// Streams bytes of any encoding as UTF-8, remembering where malformed
/// input was replaced.
pub(crate) struct Transcoder<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    inbuf: Box<[u8]>,
    in_start: usize,
    in_end: usize,
    eof: bool,
    done: bool,
    out: Vec<u8>,
    out_pos: usize,
    /// Output bytes handed out before `out[0]`.
    produced: u64,
    /// Output offsets of U+FFFD that replaced malformed input.
    malformed: VecDeque<u64>,
}

const TRANSCODE_IN: usize = 32 * 1024;
const TRANSCODE_OUT: usize = 3 * TRANSCODE_IN + 16;

impl<R: Read> Transcoder<R> {
    pub fn new(inner: R, enc: &'static Encoding) -> Self {
        Self {
            inner,
            decoder: enc.new_decoder_without_bom_handling(),
            inbuf: vec![0; TRANSCODE_IN].into_boxed_slice(),
            in_start: 0,
            in_end: 0,
            eof: false,
            done: false,
            out: Vec::with_capacity(TRANSCODE_OUT),
            out_pos: 0,
            produced: 0,
            malformed: VecDeque::new(),
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        self.produced += self.out.len() as u64;
        self.out.clear();
        self.out_pos = 0;
        if self.in_start == self.in_end && !self.eof {
            let n = self.inner.read(&mut self.inbuf)?;
            self.in_start = 0;
            self.in_end = n;
            self.eof = n == 0;
        }
        self.out.resize(TRANSCODE_OUT, 0);
        let mut written_total = 0;
        loop {
            let src = &self.inbuf[self.in_start..self.in_end];
            let (res, read, written) = self.decoder.decode_to_utf8_without_replacement(
                src,
                &mut self.out[written_total..],
                self.eof,
            );
            self.in_start += read;
            written_total += written;
            match res {
                DecoderResult::InputEmpty => {
                    if self.eof {
                        self.done = true;
                    }
                    break;
                }
                DecoderResult::OutputFull => break,
                DecoderResult::Malformed(_, _) => {
                    if self.out.len() - written_total < 3 {
                        self.out.resize(written_total + 3, 0);
                    }
                    self.malformed
                        .push_back(self.produced + written_total as u64);
                    self.out[written_total..written_total + 3]
                        .copy_from_slice("\u{FFFD}".as_bytes());
                    written_total += 3;
                }
            }
        }
        self.out.truncate(written_total);
        Ok(())
    }
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transcode(bytes: &[u8], enc: &'static Encoding) -> (String, Vec<u64>) {
        let mut t = Transcoder::new(bytes, enc);
        let mut out = Vec::new();
        t.read_to_end(&mut out).unwrap();
        (
            String::from_utf8(out).unwrap(),
            t.malformed.iter().copied().collect(),
        )
    }

    #[test]
    fn transcodes_utf16_and_marks_malformed_offsets() {
        let mut bytes: Vec<u8> = "ab,张\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        // An unpaired high surrogate, then more text.
        bytes.extend_from_slice(&[0x00, 0xd8]);
        bytes.extend("x\n".encode_utf16().flat_map(|u| u.to_le_bytes()));
        let (text, bad) = transcode(&bytes, encoding_rs::UTF_16LE);
        assert_eq!(text, "ab,张\n\u{FFFD}x\n");
        assert_eq!(bad, vec!["ab,张\n".len() as u64]);
    }

    #[test]
    fn transcodes_large_input_across_buffers() {
        let line = "名前,東京\n";
        let text: String = line.repeat(20_000);
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
        let (out, bad) = transcode(&bytes, encoding_rs::SHIFT_JIS);
        assert_eq!(out, text);
        assert!(bad.is_empty());
    }

    #[test]
    fn per_record_safety() {
        assert!(per_record_safe(encoding_rs::GBK, b",\"\n\r"));
        assert!(!per_record_safe(encoding_rs::SHIFT_JIS, b"\\"));
        assert!(per_record_safe(encoding_rs::WINDOWS_1252, b"|\\"));
        assert!(!per_record_safe(encoding_rs::UTF_16LE, b","));
    }

    #[test]
    fn labels_resolve() {
        assert_eq!(resolve_label("s", "auto").unwrap(), None);
        assert_eq!(resolve_label("s", "GBK").unwrap(), Some(encoding_rs::GBK));
        assert_eq!(
            resolve_label("s", "latin-1").unwrap(),
            Some(encoding_rs::WINDOWS_1252)
        );
        assert_eq!(
            resolve_label("s", "cp932").unwrap(),
            Some(encoding_rs::SHIFT_JIS)
        );
        let err = resolve_label("crm", "klingon").unwrap_err().to_string();
        assert!(err.contains("crm") && err.contains("klingon"), "{err}");
    }
}
