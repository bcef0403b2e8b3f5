//! The demo as data before it touches the store: personas, groups, memberships and events,
//! all addressed by index. [`build`] is a pure function of the options.

use quanzi_domain::group::{GroupDimension, GroupRole};
use quanzi_domain::member::{LifecycleStage, SpendingTier};

use super::activity;
use super::calendar::{Calendar, DAY};
use super::catalog::INTERESTS;
/// Planned events, re-exported where the rest of the plan lives.
pub use super::event::{Kind, PEvent, Props, Ref};
use super::groups;
use super::people;

/// A behaviour pattern that drives a persona's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Archetype {
    /// 达人: talks all day, shares, brings many friends.
    Kol,
    /// 种子用户: early, loyal, active.
    Seed,
    /// Chats and buys every week.
    Regular,
    /// Shows up now and then.
    Occasional,
    /// 潜水: joined, never talks.
    Lurker,
    /// Active for a while, then leaves every group.
    Churner,
    /// Active at first, then goes quiet but stays.
    Fader,
}

/// How a member first came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scene {
    /// A poster (index into `POSTERS`).
    Poster(u8),
    /// A partner shop of the alliance (index into `PARTNERS`).
    Partner(u8),
    /// Invited by another member.
    Referral,
    /// The stable live code (活码).
    LiveCode,
    /// The QR code at a store's till (index into `STORES`).
    StoreQr(u8),
    /// Pulled into a further group by the operator.
    Invite,
    /// Reached by a member's shared link; not in any group (yet).
    SharedLink,
}

impl Scene {
    /// The member's `source_channel` / the join's `join_scene`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scene::Poster(_) => "poster",
            Scene::Partner(_) => "partner_shop",
            Scene::Referral => "referral",
            Scene::LiveCode => "live_code",
            Scene::StoreQr(_) => "store_qr",
            Scene::Invite => "invite",
            Scene::SharedLink => "shared_link",
        }
    }
}

/// One stay of a member in a group.
#[derive(Debug, Clone)]
pub struct Membership {
    /// Group index.
    pub group: usize,
    /// Join time.
    pub join: i64,
    /// Leave time, if they left.
    pub leave: Option<i64>,
    /// How they joined.
    pub scene: Scene,
}

impl Membership {
    /// True while the member is in the group at `t` (strictly after the join).
    pub fn live_at(&self, t: i64) -> bool {
        t > self.join && self.leave.is_none_or(|l| t < l)
    }
}

/// A synthetic member.
#[derive(Debug, Clone)]
pub struct Persona {
    /// Display name.
    pub name: String,
    /// Female (most shoppers in the groups are).
    pub female: Option<bool>,
    /// Index into `STORES` (their district).
    pub store: usize,
    /// Indexes into `INTERESTS`.
    pub interests: Vec<usize>,
    /// How they came in.
    pub source: Scene,
    /// Who invited them (a member index).
    pub inviter: Option<usize>,
    /// First join time.
    pub arrival: i64,
    /// Behaviour pattern.
    pub archetype: Archetype,
    /// Spending propensity 0 (none) ..= 4 (vip).
    pub spend: u8,
    /// After this moment they do nothing more (churn or fade).
    pub active_until: i64,
    /// Phone, when they left one.
    pub phone: Option<String>,
    /// WeCom external_userid.
    pub external_userid: String,
    /// WeChat unionid, when known.
    pub unionid: Option<String>,
    /// Group stays, first join first.
    pub memberships: Vec<Membership>,
}

/// A group to create.
#[derive(Debug, Clone)]
pub struct GroupSpec {
    /// Name.
    pub name: String,
    /// Matrix dimension.
    pub dimension: GroupDimension,
    /// 群主题.
    pub theme: String,
    /// 群规.
    pub rules: String,
    /// Creation time.
    pub created_at: i64,
    /// For dead groups: when the talking stopped.
    pub dies_at: Option<i64>,
}

/// What a member ends up as, from their events.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// Orders placed.
    pub orders: u32,
    /// Net spend in fen.
    pub spend: i64,
    /// Last non-membership event.
    pub last_seen: Option<i64>,
    /// Last order.
    pub last_order: Option<i64>,
    /// Non-membership events in the last 14 days.
    pub recent: u32,
    /// Still in at least one group at the end.
    pub in_group: bool,
}

/// The whole demo, by index.
pub struct Plan {
    /// The window.
    pub cal: Calendar,
    /// Groups in creation order.
    pub groups: Vec<GroupSpec>,
    /// Members in arrival order.
    pub people: Vec<Persona>,
    /// Events in time order.
    pub events: Vec<PEvent>,
    /// Per member, what their events add up to.
    pub outcomes: Vec<Outcome>,
    /// Group roles to set at the end: (member, group, role).
    pub roles: Vec<(usize, usize, GroupRole)>,
}

/// Builds the plan for `members` members over `days` days ending at `end` with `seed`.
pub fn build(seed: u64, members: usize, days: i64, end: i64) -> Plan {
    let cal = Calendar::new(end, days);
    let mut people = people::generate(seed, members, &cal);
    let groups = groups::assign(seed, &cal, &mut people);
    people.extend(people::prospects(seed, members / PROSPECTS_PER, &cal));
    let mut events = activity::simulate(seed, &cal, &people, &groups);
    events.sort_by_key(|e| e.t);
    // A prospect "arrives" with the first link that reached them.
    for e in &events {
        if let Some(p) = people.get_mut(e.member as usize)
            && p.source == Scene::SharedLink
            && p.arrival == cal.start
        {
            p.arrival = e.t;
        }
    }
    let outcomes = outcomes(&people, &events, cal.end);
    let mut roles = Vec::new();
    for (i, p) in people.iter().enumerate() {
        for m in p.memberships.iter().filter(|m| m.leave.is_none()) {
            let seed_group = groups
                .get(m.group)
                .is_some_and(|g| g.dimension == GroupDimension::Seed);
            match p.archetype {
                Archetype::Kol => roles.push((i, m.group, GroupRole::Kol)),
                Archetype::Seed if seed_group => roles.push((i, m.group, GroupRole::Seed)),
                _ => {}
            }
        }
    }
    Plan {
        cal,
        groups,
        people,
        events,
        outcomes,
        roles,
    }
}

fn outcomes(people: &[Persona], events: &[PEvent], end: i64) -> Vec<Outcome> {
    let mut out: Vec<Outcome> = people
        .iter()
        .map(|p| Outcome {
            in_group: p
                .memberships
                .iter()
                .any(|m| m.leave.is_none_or(|l| l >= end)),
            ..Default::default()
        })
        .collect();
    for e in events {
        let Some(o) = out.get_mut(e.member as usize) else {
            continue;
        };
        match e.kind {
            Kind::Order => {
                o.orders += 1;
                o.spend += e.amount;
                o.last_order = Some(e.t);
            }
            Kind::Refund => o.spend -= e.amount,
            _ => {}
        }
        if !matches!(e.kind, Kind::Join | Kind::Leave) {
            o.last_seen = Some(e.t);
            if e.t >= end - 14 * DAY {
                o.recent += 1;
            }
        }
    }
    out
}

/// One prospect (reached by shared links, never in a group) for this many members.
pub const PROSPECTS_PER: usize = 8;

/// The lifecycle stage a member's behaviour shows at `end`: prospect when never in a group,
/// churned when in none any more, new in
/// the first two weeks, loyal for repeat buyers (5+ orders, one in the last month), customer
/// for buyers seen in the last three weeks, active for members busy in the last two weeks,
/// dormant otherwise.
pub fn lifecycle(p: &Persona, o: &Outcome, end: i64) -> LifecycleStage {
    let since = |t: Option<i64>, days: i64| t.is_some_and(|t| t >= end - days * DAY);
    if p.memberships.is_empty() {
        LifecycleStage::Prospect
    } else if !o.in_group {
        LifecycleStage::Churned
    } else if p.arrival >= end - 14 * DAY && o.orders < 2 {
        LifecycleStage::New
    } else if o.orders >= 5 && since(o.last_order, 30) {
        LifecycleStage::Loyal
    } else if o.orders >= 1 && since(o.last_seen, 21) {
        LifecycleStage::Customer
    } else if o.recent >= 3 {
        LifecycleStage::Active
    } else {
        LifecycleStage::Dormant
    }
}

/// The spending tier of a net spend over the window, in fen: up to ¥100 low, ¥300 mid,
/// ¥800 high, above that vip.
pub fn tier(spend: i64) -> SpendingTier {
    match spend {
        s if s <= 0 => SpendingTier::None,
        s if s < 10_000 => SpendingTier::Low,
        s if s < 30_000 => SpendingTier::Mid,
        s if s < 80_000 => SpendingTier::High,
        _ => SpendingTier::Vip,
    }
}

/// The tags to put on members: (tag group, tag name, member indexes).
pub fn tags(plan: &Plan) -> Vec<(&'static str, &'static str, Vec<usize>)> {
    let mut out: Vec<(&'static str, &'static str, Vec<usize>)> = INTERESTS
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let who = (0..plan.people.len())
                .filter(|&i| plan.people[i].interests.contains(&k))
                .collect();
            ("兴趣", *name, who)
        })
        .collect();
    let end = plan.cal.end;
    let by = |f: &dyn Fn(&Persona, &Outcome) -> bool| -> Vec<usize> {
        (0..plan.people.len())
            .filter(|&i| f(&plan.people[i], &plan.outcomes[i]))
            .collect()
    };
    out.push((
        "价值",
        "高价值",
        by(&|_, o| tier(o.spend) >= SpendingTier::High),
    ));
    out.push(("价值", "复购客", by(&|_, o| o.orders >= 3)));
    out.push((
        "价值",
        "新客",
        by(&|p, o| lifecycle(p, o, end) == LifecycleStage::New),
    ));
    out.push((
        "价值",
        "沉睡客",
        by(&|p, o| lifecycle(p, o, end) == LifecycleStage::Dormant),
    ));
    out.push((
        "价值",
        "已流失",
        by(&|p, o| lifecycle(p, o, end) == LifecycleStage::Churned),
    ));
    out.push(("身份", "达人KOL", by(&|p, _| p.archetype == Archetype::Kol)));
    out.push((
        "身份",
        "种子用户",
        by(&|p, _| p.archetype == Archetype::Seed),
    ));
    out
}
