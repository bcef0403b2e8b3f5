//! Creating a red-envelope plan (红包, `/ui/campaigns/red-envelopes/new`): its name, what one
//! envelope holds typed in yuan (stored in fen), its shares and split, the budget, the send
//! times typed in the tenant's time zone (each repeated on the days after, if asked) and the
//! groups ticked to receive one envelope at each time.

use quanzi_core::red_envelopes;
use quanzi_domain::red_envelope::{MAX_TIMES, RedEnvelopePlanInput, Split};
use quanzi_domain::{Invalid, TenantId};

use super::super::Layout;
use super::super::form::{FormErrors, label};
use super::super::growth::{Pairs, fen, whole};
use super::campaign_form::{CampaignForm, Kind, Reason, Spec};
use super::{local_value, parse_local};
use crate::AppState;

/// A day, ms: a time repeated on the next day is this much later (the zone has no DST).
const DAY_MS: i64 = 86_400_000;

/// The red-envelope plan form.
pub(super) struct RedEnvelopeForm;

impl CampaignForm for RedEnvelopeForm {
    type Input = RedEnvelopePlanInput;
    const PREFIX: &'static str = "red_envelope_form";
    const TITLE: &'static str = "red_envelope_form.title";
    const INTRO: &'static str = "red_envelope_form.intro";
    const IDS: (&'static str, &'static str) = ("red-envelope-form", "envelopes");
    const FIELDS: &'static [Spec] = &[
        ("name", Kind::Text(64), true),
        ("total", Kind::Yuan, true),
        ("count", Kind::Whole, true),
        ("split", Kind::Choice(&["random", "equal"]), false),
        ("budget", Kind::Yuan, true),
        ("days", Kind::Whole, false),
        ("at", Kind::Times(MAX_TIMES), true),
        ("group_ids", Kind::Groups, true),
    ];
    const REASONS: &'static [Reason] = &[
        ("group_ids", "must have", "red_envelope_form.groups_count"),
        ("at_ms", "must have", "red_envelope_form.times_count"),
        ("at_ms", "must not repeat", "red_envelope_form.times_repeat"),
        (
            "total_fen",
            "must be between",
            "red_envelope_form.total_range",
        ),
        (
            "total_fen",
            "must be at least",
            "red_envelope_form.total_per_share",
        ),
        ("count", "count × groups", "red_envelope_form.shares_max"),
        ("budget_fen", "must cover", "red_envelope_form.budget_cover"),
        (
            "budget_fen",
            "must be at most",
            "red_envelope_form.budget_max",
        ),
    ];

    fn defaults(offset_secs: i64) -> Vec<(String, String)> {
        let hour = 3_600_000;
        let next_hour = (quanzi_core::read::now_ms() / hour + 1) * hour;
        vec![
            ("split".into(), Split::Random.as_str().into()),
            ("days".into(), "1".into()),
            ("at0".into(), local_value(next_hour, offset_secs)),
        ]
    }

    fn input(p: &Pairs, l: &Layout, errs: &mut FormErrors) -> RedEnvelopePlanInput {
        let labels = |f: &str| label(l, Self::PREFIX, f);
        let days = match whole(l, errs, &labels, "days", p.get("days")) {
            Some(d) if (1..=MAX_TIMES as i64).contains(&d) => d,
            Some(_) => {
                let reason = l.lang.reason(&format!("must be between 1 and {MAX_TIMES}"));
                errs.push("days", l.lang.labelled(&labels("days"), &reason));
                1
            }
            None => 1,
        };
        let at_ms = times(p, l, errs)
            .into_iter()
            .flat_map(|at| (0..days).map(move |d| at + d * DAY_MS))
            .collect();
        let split = match p.get("split") {
            "" => None,
            v => Split::parse(v).or_else(|| {
                let reason = l.t("reason.one_of").replace("{list}", &Split::expected());
                errs.push("split", l.lang.labelled(&labels("split"), &reason));
                None
            }),
        };
        RedEnvelopePlanInput {
            name: Some(p.get("name").to_string()),
            group_ids: Some(p.ids("group_ids")),
            at_ms: Some(at_ms),
            total_fen: fen(l, errs, &labels, "total", p.get("total")),
            count: whole(l, errs, &labels, "count", p.get("count")),
            split,
            budget_fen: fen(l, errs, &labels, "budget", p.get("budget")),
        }
    }

    fn check(input: RedEnvelopePlanInput) -> Result<(), Invalid> {
        input.into_new().map(drop)
    }

    async fn create(
        s: &AppState,
        t: TenantId,
        input: RedEnvelopePlanInput,
    ) -> quanzi_core::Result<()> {
        red_envelopes::create(&s.db, t, input).await.map(drop)
    }
}

/// The times typed in the rows `at0`, `at1`…, as unix ms in the operator's zone; a row that is
/// not a time is an error beside it, a blank row is dropped.
fn times(p: &Pairs, l: &Layout, errs: &mut FormErrors) -> Vec<i64> {
    let mut out = Vec::new();
    for row in (0..MAX_TIMES).map(|i| format!("at{i}")) {
        match p.get(&row) {
            "" => {}
            v => match parse_local(v, l.zone_offset_secs) {
                Some(ms) => out.push(ms),
                None => {
                    let name = label(l, RedEnvelopeForm::PREFIX, "at");
                    errs.push(&row, l.lang.labelled(&name, l.t("reason.local_time")));
                }
            },
        }
    }
    out
}
