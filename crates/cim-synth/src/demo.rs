//! The bundled demo data set (`fixtures/demo/`): a few hundred customers
//! over three sources, plus a handful of deliberately malformed rows so
//! that a demo run shows quarantine.

use std::path::Path;

use crate::DatasetSummary;
use crate::error::Error;
use crate::options::{CorruptionRates, HardCases, SynthOptions};
use crate::source::{FileFormat, SourceKind};
use crate::write::{MalformedRow, write_files, write_summary};

/// Seed of the bundled demo.
pub const DEMO_SEED: u64 = 20_240_601;

/// Options of the bundled demo: 300 customers, a third of them Chinese,
/// somewhat noisier than the defaults so every corruption shows up.
pub fn demo_options() -> SynthOptions {
    SynthOptions {
        seed: DEMO_SEED,
        entities: 300,
        chinese_share: 0.35,
        rates: CorruptionRates {
            typo: 0.05,
            nickname: 0.08,
            date_format: 0.15,
            phone_format: 0.25,
            ..CorruptionRates::default()
        },
        hard_cases: HardCases {
            common_name: 0.06,
            family: 0.1,
            twins: 0.03,
        },
        ..SynthOptions::default()
    }
}

/// A malformed line to insert: source, 1-based final line number, bytes
/// (without terminator), problem.
struct Bad {
    kind: SourceKind,
    line: u64,
    bytes: Vec<u8>,
    problem: &'static str,
}

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(s).0.into_owned()
}

fn bad_rows() -> Vec<Bad> {
    let mut invalid_gbk = gbk("8899990001,李");
    // 0xFF is never a valid GBK byte.
    invalid_gbk.push(0xFF);
    invalid_gbk.extend(gbk(
        "娜,13912345678,,19880412,海淀区中关村路12号3栋402室,北京市,100080,2024-05-06 09:12:33",
    ));
    vec![
        Bad {
            kind: SourceKind::Crm,
            line: 41,
            bytes: b"199901,Karen,Lewis,karen.lewis@outlook.com,(312) 448-2291".to_vec(),
            problem: "ragged CSV row: 5 fields instead of 12 (export cut off)",
        },
        Bad {
            kind: SourceKind::Crm,
            line: 97,
            bytes: b"199902,Mary,Jones,mary.jones@gmail.com,07723 418827,14/03/1979,Flat 2, 9 Station Road,London,N1 7GU,United Kingdom,,03/02/2024 10:15".to_vec(),
            problem: "ragged CSV row: 13 fields instead of 12 (unquoted comma in Street)",
        },
        Bad {
            kind: SourceKind::Webshop,
            line: 58,
            bytes: br#"["7099901","Oliver Smith","oliver.smith@gmail.com"]"#.to_vec(),
            problem: "JSON line is an array, not an object",
        },
        Bad {
            kind: SourceKind::Webshop,
            line: 150,
            bytes: br#"{"id":7099902,"name":"Grace Taylor","email":"grace.t"#.to_vec(),
            problem: "truncated JSON object",
        },
        Bad {
            kind: SourceKind::Loyalty,
            line: 30,
            bytes: invalid_gbk,
            problem: "invalid GBK byte 0xFF inside the name field",
        },
    ]
}

/// Writes the bundled demo into `dir`: `crm.csv`, `webshop.jsonl`,
/// `loyalty_gbk.csv`, `truth.csv`, `dataset.json`. Deterministic: the
/// committed `fixtures/demo/` files are exactly this output. The malformed
/// rows are listed in the summary and have no truth rows.
pub fn write_demo(dir: &Path) -> Result<DatasetSummary, Error> {
    let opts = demo_options();
    let mut summary = write_files(dir, &opts)?;
    for bad in bad_rows() {
        let format = FileFormat::file_name(bad.kind.native_format(), bad.kind);
        let path = dir.join(&format);
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        let data = std::fs::read(&path).map_err(io)?;
        let crlf = data.windows(2).any(|w| w == b"\r\n");
        let mut lines: Vec<&[u8]> = data.split_inclusive(|b| *b == b'\n').collect();
        let mut line = bad.bytes.clone();
        line.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
        let at = (bad.line as usize - 1).min(lines.len());
        lines.insert(at, &line);
        std::fs::write(&path, lines.concat()).map_err(io)?;
        summary.malformed.push(MalformedRow {
            source: bad.kind.name(),
            file: format,
            line: at as u64 + 1,
            problem: bad.problem,
        });
    }
    write_summary(dir, &summary)?;
    Ok(summary)
}
