//! Integration tests of cim-audit (one binary).

mod browser;
mod eval;
mod report;
mod sample;
mod scale;
mod sweep;
mod truth;
mod waterfall;
