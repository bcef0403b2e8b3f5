//! Checking a finished lottery from what was published: the seed against its commitment, and
//! every outcome recomputed in the published order.

use sha2::{Digest, Sha256};

use super::draw::{LotteryState, Outcome, Refusal, draw, upgrade};
use super::{NewLottery, SEED_LEN};
use crate::{LotteryId, MemberId};

/// Lowercase hex of SHA-256 over the UTF-8 bytes of `text`; of a seed, its commitment.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Whether `seed` is a server seed: exactly 64 lowercase hex characters.
pub fn check_seed(seed: &str) -> bool {
    seed.len() == SEED_LEN && seed.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// One published event of a lottery, in the order it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A draw and the tier it was published as getting (`None`: nothing).
    Draw {
        /// Who drew.
        member: MemberId,
        /// The member's draw number, from 1.
        draw_no: u32,
        /// The tier published for it.
        tier: Option<usize>,
    },
    /// A paid upgrade of a prize of tier `from`, published as giving tier `to`.
    Upgrade {
        /// The tier given back.
        from: usize,
        /// The tier taken.
        to: usize,
    },
}

impl From<(MemberId, u32, Option<usize>)> for Step {
    fn from((member, draw_no, tier): (MemberId, u32, Option<usize>)) -> Self {
        Step::Draw {
            member,
            draw_no,
            tier,
        }
    }
}

/// Why a published lottery does not check out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// The seed is not 64 lowercase hex characters.
    #[error("the seed must be 64 lowercase hex characters")]
    BadSeed,
    /// The seed does not hash to the commitment published before the lottery opened.
    #[error("the seed does not hash to the published commitment")]
    Commitment,
    /// Event `index` (0-based) was published with another outcome than it recomputes to.
    #[error("event {index} was published as {claimed:?} but recomputes to {recomputed:?}")]
    Mismatch {
        /// The event's position in the published list.
        index: usize,
        /// The tier published.
        claimed: Option<usize>,
        /// The tier the rules give.
        recomputed: Option<usize>,
    },
    /// Event `index` (0-based) could not have happened under the rules.
    #[error("event {index} could not have happened: {refusal}")]
    Refused {
        /// The event's position in the published list.
        index: usize,
        /// Why the rules refuse it.
        refusal: Refusal,
    },
}

/// Checks a lottery's published record: `seed` is well formed and hashes to `commitment`,
/// and replaying `steps` in order under `rules` gives every published outcome. Names the
/// first event that does not match.
pub fn verify(
    rules: &NewLottery,
    lottery: LotteryId,
    seed: &str,
    commitment: &str,
    steps: &[Step],
) -> Result<(), VerifyError> {
    if !check_seed(seed) {
        return Err(VerifyError::BadSeed);
    }
    if !sha256_hex(seed).eq_ignore_ascii_case(commitment.trim()) {
        return Err(VerifyError::Commitment);
    }
    let mut state = LotteryState::new(rules.clone());
    for (index, step) in steps.iter().enumerate() {
        let (claimed, recomputed) = match *step {
            Step::Draw {
                member,
                draw_no,
                tier,
            } => match draw(&mut state, lottery, seed, member, draw_no) {
                Outcome::Refused(refusal) => return Err(VerifyError::Refused { index, refusal }),
                outcome => (tier, outcome.tier()),
            },
            Step::Upgrade { from, to } => match upgrade(&mut state, from) {
                Err(refusal) => return Err(VerifyError::Refused { index, refusal }),
                Ok(got) => (Some(to), Some(got)),
            },
        };
        if claimed != recomputed {
            return Err(VerifyError::Mismatch {
                index,
                claimed,
                recomputed,
            });
        }
    }
    Ok(())
}
