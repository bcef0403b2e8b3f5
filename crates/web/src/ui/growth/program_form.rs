//! Creating and editing a referral programme (`/ui/growth/programs/new`,
//! `/ui/growth/programs/{id}/edit`): name, slug, landing code, the invite rule with its
//! friend's reward, milestones, the share-visit and first-order rules, budget and member cap,
//! money typed in yuan; each refused value is shown beside its field or milestone.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::views::Program;
use quanzi_core::{CoreError, live_codes, referrals};
use quanzi_domain::Invalid;
use quanzi_domain::referral::{
    FirstOrderRule, InviteRule, Milestone, ProgramInput, ReferralRules, RewardKind,
};

use super::super::form::{FormErrors, refusal, refused, see_other, unprocessable};
use super::super::{Layout, UiUser, render, server_error};
use super::code_rows::SPARE_ROWS;
use super::program_fields::{SPEC_FIELDS, Spec, field_label, form_field};
use super::{Pairs, fen, not_found, whole, yuan_field};
use crate::AppState;
use crate::api::IdPath;

/// The form as sent and shown again.
#[derive(Debug, Default)]
pub struct ProgramForm {
    name: String,
    slug: String,
    live_code_id: String,
    invite_stay_days: String,
    invite: Spec,
    invitee: Spec,
    /// (friends, reward) per milestone.
    milestones: Vec<(String, Spec)>,
    sv: Spec,
    fo_min: String,
    fo: Spec,
    fo_invitee: Spec,
    budget: String,
    member_cap: String,
}

impl ProgramForm {
    fn read(p: &Pairs) -> ProgramForm {
        ProgramForm {
            name: p.get("name").to_string(),
            slug: p.get("slug").to_string(),
            live_code_id: p.get("live_code_id").to_string(),
            invite_stay_days: p.get("invite_stay_days").to_string(),
            invite: Spec::read(p, "invite"),
            invitee: Spec::read(p, "invitee"),
            milestones: (0..p.rows("ms"))
                .map(|i| {
                    let friends = p.get(&format!("ms{i}_friends")).to_string();
                    (friends, Spec::read(p, &format!("ms{i}")))
                })
                .filter(|(f, s)| !f.is_empty() || !s.amount.is_empty())
                .collect(),
            sv: Spec::read(p, "sv"),
            fo_min: p.get("fo_min").to_string(),
            fo: Spec::read(p, "fo"),
            fo_invitee: Spec::read(p, "fo_invitee"),
            budget: p.get("budget").to_string(),
            member_cap: p.get("member_cap").to_string(),
        }
    }

    fn of(p: &Program) -> ProgramForm {
        let r = &p.rules;
        let invite = r.invite.as_ref();
        let fo = r.first_order.as_ref();
        ProgramForm {
            name: p.name.clone(),
            slug: p.slug.clone(),
            live_code_id: p.live_code_id.map(|c| c.to_string()).unwrap_or_default(),
            invite_stay_days: invite.map(|i| i.stay_days.to_string()).unwrap_or_default(),
            invite: Spec::of(invite.map(|i| &i.reward)),
            invitee: Spec::of(invite.and_then(|i| i.invitee_reward.as_ref())),
            milestones: r
                .milestones
                .iter()
                .map(|m| (m.friends.to_string(), Spec::of(Some(&m.reward))))
                .collect(),
            sv: Spec::of(r.share_visit.as_ref()),
            fo_min: fo.map(|o| yuan_field(o.min_amount_fen)).unwrap_or_default(),
            fo: Spec::of(fo.map(|o| &o.reward)),
            fo_invitee: Spec::of(fo.and_then(|o| o.invitee_reward.as_ref())),
            budget: yuan_field(p.budget_fen),
            member_cap: p.member_cap_fen.map(yuan_field).unwrap_or_default(),
        }
    }

    /// The use-case's input; numbers and amounts that are not are errors of their own.
    fn input(&self, l: &Layout, errs: &mut FormErrors) -> ProgramInput {
        let labels = |f: &str| field_label(l, f);
        let invite = self
            .invite
            .input(l, errs, "invite")
            .map(|reward| InviteRule {
                stay_days: whole(l, errs, &labels, "invite_stay_days", &self.invite_stay_days)
                    .unwrap_or(0),
                reward,
                invitee_reward: self.invitee.input(l, errs, "invitee"),
            });
        let milestones = self
            .milestones
            .iter()
            .enumerate()
            .filter_map(|(i, (friends, spec))| {
                let field = format!("ms{i}");
                let friends = whole(l, errs, &labels, &field, friends).unwrap_or(0);
                if spec.amount.is_empty() {
                    let text = l
                        .lang
                        .labelled(&labels(&field), l.t("program_form.reward_needed"));
                    errs.push(&field, text);
                }
                let reward = spec.input(l, errs, &field)?;
                Some(Milestone { friends, reward })
            })
            .collect();
        let first_order = self.fo.input(l, errs, "fo").map(|reward| FirstOrderRule {
            min_amount_fen: fen(l, errs, &labels, "fo_min", &self.fo_min).unwrap_or(0),
            reward,
            invitee_reward: self.fo_invitee.input(l, errs, "fo_invitee"),
        });
        ProgramInput {
            name: Some(self.name.clone()),
            slug: Some(self.slug.clone()),
            live_code_id: self.live_code_id.parse().ok(),
            rules: Some(ReferralRules {
                invite,
                milestones,
                share_visit: self.sv.input(l, errs, "sv"),
                first_order,
            }),
            budget_fen: fen(l, errs, &labels, "budget", &self.budget),
            member_cap_fen: fen(l, errs, &labels, "member_cap", &self.member_cap),
        }
    }
}

#[derive(Template)]
#[template(path = "growth_program_form.html")]
struct ProgramFormPage {
    l: Layout,
    program_id: Option<i64>,
    title: String,
    f: ProgramForm,
    /// The milestones and spare rows to show.
    milestones: Vec<(String, Spec)>,
    errs: FormErrors,
    others: Vec<String>,
    kinds: Vec<(&'static str, String)>,
    codes: Vec<(i64, String)>,
}

async fn page(
    s: &AppState,
    u: &UiUser,
    program_id: Option<i64>,
    f: ProgramForm,
    errs: FormErrors,
) -> Response {
    let codes = match live_codes::list(&s.db, u.tenant()).await {
        Ok(c) => c
            .into_iter()
            .map(|(c, _)| (c.live_code_id, c.name))
            .collect(),
        Err(e) => return server_error(e),
    };
    let l = u.layout("growth");
    let title = match program_id {
        None => l.t("growth.program.new").to_string(),
        Some(_) => format!("{} · {}", l.t("growth.edit"), f.name),
    };
    let milestones = f
        .milestones
        .iter()
        .cloned()
        .chain(std::iter::repeat_n(Default::default(), SPARE_ROWS))
        .collect::<Vec<_>>();
    let names: Vec<String> = (0..milestones.len()).map(|i| format!("ms{i}")).collect();
    let mut shown = vec![
        "name",
        "slug",
        "live_code_id",
        "rules",
        "budget",
        "member_cap",
        "fo_min",
    ];
    shown.extend(SPEC_FIELDS);
    shown.extend(names.iter().map(String::as_str));
    render(ProgramFormPage {
        program_id,
        title,
        others: errs.others(&shown),
        milestones,
        errs,
        f,
        kinds: RewardKind::ALL
            .iter()
            .map(|k| (k.as_str(), l.code("reward_kind", k.as_str())))
            .collect(),
        codes,
        l,
    })
}

/// GET /ui/growth/programs/new: a form with an invite rule to fill (friends stay 7 days).
pub async fn new_form(State(s): State<AppState>, u: UiUser) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    let f = ProgramForm {
        invite_stay_days: "7".into(),
        budget: "1000".into(),
        ..ProgramForm::default()
    };
    page(&s, &u, None, f, FormErrors::default()).await
}

/// GET /ui/growth/programs/{id}/edit: the programme's form.
pub async fn edit_form(State(s): State<AppState>, u: UiUser, IdPath(id): IdPath) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    match referrals::get(&s.db, u.tenant(), id).await {
        Ok(p) => page(&s, &u, Some(id), ProgramForm::of(&p), FormErrors::default()).await,
        Err(CoreError::NotFound(_)) => not_found(),
        Err(e) => server_error(e),
    }
}

/// POST /ui/growth/programs/new: creates the programme and opens its page.
pub async fn create(
    State(s): State<AppState>,
    u: UiUser,
    Form(p): Form<Vec<(String, String)>>,
) -> Response {
    save(&s, &u, None, Pairs::from(p)).await
}

/// POST /ui/growth/programs/{id}/edit: saves the programme and opens its page.
pub async fn update(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath,
    Form(p): Form<Vec<(String, String)>>,
) -> Response {
    save(&s, &u, Some(id), Pairs::from(p)).await
}

/// Files the use-case's errors beside the form's fields.
fn file_errors(l: &Layout, errs: &mut FormErrors, inv: &Invalid) {
    for e in &inv.0 {
        let field = form_field(&e.field);
        let text = l
            .lang
            .labelled(&field_label(l, &field), &l.lang.reason(&e.reason));
        errs.push(&field, text);
    }
}

async fn save(s: &AppState, u: &UiUser, id: Option<i64>, p: Pairs) -> Response {
    if let Some(why) = refusal(u, p.get("_csrf"), u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let t = u.tenant();
    let l = u.layout("growth");
    let f = ProgramForm::read(&p);
    let mut errs = FormErrors::default();
    let input = f.input(&l, &mut errs);
    if !errs.is_empty() {
        if let Err(inv) = input.into_new() {
            file_errors(&l, &mut errs, &inv);
        }
        return unprocessable(page(s, u, id, f, errs).await);
    }
    let done = match id {
        None => referrals::create(&s.db, t, input).await,
        Some(id) => referrals::update(&s.db, t, id, input).await,
    };
    match done {
        Ok(p) => return see_other(&format!("/ui/growth/programs/{}", p.program_id)),
        Err(CoreError::Invalid(inv)) => file_errors(&l, &mut errs, &inv),
        Err(CoreError::Conflict(field)) => {
            let text = l
                .lang
                .labelled(&field_label(&l, &field), l.t("growth.taken_slug"));
            errs.push(&field, text);
        }
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    }
    unprocessable(page(s, u, id, f, errs).await)
}
