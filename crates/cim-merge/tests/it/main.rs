//! Integration tests of cim-merge (one binary).

mod determinism;
mod helper;
mod ids;
mod render;
mod survivorship;
