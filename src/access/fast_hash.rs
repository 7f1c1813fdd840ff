//! A fast hasher for the index's id maps. At Identity Center's quotas the index hashes a few
//! million short ids; SipHash (the std default) would be most of the build time. The keys come
//! from the administrator's own snapshot, so resistance to crafted collisions is not needed.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Folded multiply per eight bytes (as foldhash and ahash do): the 128-bit product's halves are
/// xored, so every input bit reaches every output bit in one step. (A plain multiply only
/// carries bits upwards, and ids that differ in a few hex digits then crowd the same buckets.)
#[derive(Default, Clone, Copy)]
pub(super) struct FastHasher(u64);

const K1: u64 = 0x243F_6A88_85A3_08D3;
const K2: u64 = 0x1319_8A2E_0370_7344;

fn folded_multiply(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = folded_multiply(self.0 ^ word, K1);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        folded_multiply(self.0 ^ K2, K1)
    }
}

pub(super) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

pub(super) fn map_with_capacity<K, V>(capacity: usize) -> FastMap<K, V> {
    FastMap::with_capacity_and_hasher(capacity, Default::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_short_and_long_string_keys() {
        let mut map = map_with_capacity(4);
        map.insert("a", 1);
        map.insert("abcdefgh", 2);
        map.insert("abcdefghi", 3);
        map.insert("", 4);
        assert_eq!(map.get("a"), Some(&1));
        assert_eq!(map.get("abcdefgh"), Some(&2));
        assert_eq!(map.get("abcdefghi"), Some(&3));
        assert_eq!(map.get(""), Some(&4));
        assert_eq!(map.get("b"), None);
    }
}
