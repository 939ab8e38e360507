//! MurmurHash3 `x86_32` with seed 0, fed in pieces: the hash under flagd's `fractional`
//! operator. A piece may end inside a 4-byte block; the bytes wait in `carry` for the next.

const C1: u32 = 0xcc9e_2d51;
const C2: u32 = 0x1b87_3593;

/// A hash in progress.
#[derive(Debug, Clone, Copy, Default)]
pub struct Murmur3 {
    h: u32,
    carry: u32,
    carried: u32,
    len: u32,
}

fn scramble(k: u32) -> u32 {
    k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2)
}

impl Murmur3 {
    fn block(&mut self, k: u32) {
        self.h ^= scramble(k);
        self.h = self
            .h
            .rotate_left(13)
            .wrapping_mul(5)
            .wrapping_add(0xe654_6b64);
    }

    /// Feeds the next bytes.
    #[inline]
    pub fn write(&mut self, mut bytes: &[u8]) {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "lengths wrap as in the reference"
        )]
        {
            self.len = self.len.wrapping_add(bytes.len() as u32);
        }
        while self.carried > 0 && !bytes.is_empty() {
            self.carry |= u32::from(bytes[0]) << (8 * self.carried);
            self.carried += 1;
            bytes = &bytes[1..];
            if self.carried == 4 {
                self.block(self.carry);
                self.carry = 0;
                self.carried = 0;
            }
        }
        let mut blocks = bytes.chunks_exact(4);
        for b in &mut blocks {
            self.block(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        }
        for (i, b) in blocks.remainder().iter().enumerate() {
            #[expect(clippy::cast_possible_truncation, reason = "i < 3")]
            let shift = 8 * i as u32;
            self.carry |= u32::from(*b) << shift;
            self.carried += 1;
        }
    }

    /// The hash of everything fed.
    #[must_use]
    #[inline]
    pub fn finish(mut self) -> u32 {
        if self.carried > 0 {
            self.h ^= scramble(self.carry);
        }
        let mut h = self.h ^ self.len;
        h ^= h >> 16;
        h = h.wrapping_mul(0x85eb_ca6b);
        h ^= h >> 13;
        h = h.wrapping_mul(0xc2b2_ae35);
        h ^ (h >> 16)
    }
}

/// The hash of `bytes`.
#[must_use]
pub fn hash(bytes: &[u8]) -> u32 {
    let mut m = Murmur3::default();
    m.write(bytes);
    m.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_values() {
        // The reference implementation's values (smhasher), and the preimages flagd's testbed
        // uses for the boundaries: hash 0, 1, i32::MAX, 2^31 and u32::MAX.
        assert_eq!(hash(b""), 0);
        assert_eq!(hash(b"hello"), 0x248b_fa47);
        assert_eq!(
            hash(b"The quick brown fox jumps over the lazy dog"),
            0x2e4f_f723
        );
        assert_eq!(hash(b"ejOoVL"), 0);
        assert_eq!(hash(b"bY9fO-"), 1);
        assert_eq!(hash(b"SI7p-"), 2_147_483_647);
        assert_eq!(hash(b"6LvT0"), 2_147_483_648);
        assert_eq!(hash(b"ceQdGm"), u32::MAX);
    }

    proptest! {
        #[test]
        fn pieces_hash_as_the_whole(bytes in proptest::collection::vec(any::<u8>(), 0..64), cuts in proptest::collection::vec(0usize..64, 0..4)) {
            let mut m = Murmur3::default();
            let mut at = 0;
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            for c in cuts {
                m.write(&bytes[at..c]);
                at = c;
            }
            m.write(&bytes[at..]);
            prop_assert_eq!(m.finish(), hash(&bytes));
        }
    }
}
