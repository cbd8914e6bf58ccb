//! Hash maps keyed by record ids: ahash with fixed seeds (ids are not
//! adversarial, and lookups dominate evaluation time at scale).

use std::collections::HashMap;

/// A `HashMap` with a fast, seeded hasher.
pub(crate) type Map<K, V> = HashMap<K, V, ahash::RandomState>;

/// An empty [`Map`].
pub(crate) fn new_map<K, V>() -> Map<K, V> {
    HashMap::with_hasher(ahash::RandomState::with_seeds(
        0x243f_6a88_85a3_08d3,
        0x1319_8a2e_0370_7344,
        0xa409_3822_299f_31d0,
        0x082e_fa98_ec4e_6c89,
    ))
}
