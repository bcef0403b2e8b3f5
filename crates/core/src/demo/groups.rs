//! The group matrix (社群矩阵): which groups exist, who joins which and when, who leaves.
//!
//! Groups come in pools (a district, an interest, a tier…). A pool's newcomers fill its
//! groups in join order, the next group opening as one fills, like a live code (活码) does;
//! no group ever takes more than [`QUOTA`] joins, so none passes WeChat's 500.

use quanzi_domain::group::GroupDimension;

use super::calendar::{Calendar, DAY, HOUR, MINUTE};
use super::catalog::{GROUPED_INTERESTS, PARTNERS, STORES};
use super::plan::{Archetype, GroupSpec, Membership, Persona, Scene};
use super::rng::Rng;

/// Most joins a group takes (leaves are not refilled), under the hard cap of 500.
pub const QUOTA: usize = 420;

const DISTRICT_RULES: &str = "1. 本群为{store}顾客福利群，每天10点、20点发布当日特价；\n2. 禁止发布广告、外链和拉票砍价；\n3. 售后问题请私聊店长，24小时内处理；\n4. 文明交流，违规三次将被移出群聊。";
const INTEREST_RULES: &str = "1. 围绕群主题交流，欢迎分享心得和晒图；\n2. 每周三晚8点群内干货分享；\n3. 禁止广告和无关链接；\n4. 互相尊重，友好讨论。";
const VIP_RULES: &str = "1. 本群仅限VIP会员，专属客服在线9:00-22:00；\n2. 新品优先试吃，生日当月专属礼遇；\n3. 请勿外传群内专属价格。";
const SEED_RULES: &str = "1. 种子用户优先体验新品并给出真实反馈；\n2. 每月一次线下品鉴会；\n3. 邀请好友入群可获积分奖励。";

/// Interest group names and themes, for the first `GROUPED_INTERESTS` interests.
const INTEREST_GROUPS: [(&str, &str); 6] = [
    ("宝妈辅食交流", "宝宝辅食、亲子食材与育儿经验分享"),
    ("养生汤水", "节气养生汤水、滋补食材与健康作息"),
    ("健身轻食", "健身餐搭配、优质蛋白与运动打卡"),
    ("烘焙爱好者", "烘焙配方、食材团购与作品晒图"),
    ("减脂餐打卡", "低卡饮食、每日减脂餐打卡与互相监督"),
    ("水果控尝鲜", "当季水果尝鲜、产地直采与开箱测评"),
];
const TIER_GROUPS: [(&str, &str); 3] = [
    ("品质生活会员群", "进口精品与高端生鲜优先预订，每周五上新"),
    ("实惠家庭群", "家庭日常菜篮子，每周家庭套餐特惠"),
    ("特价捡漏群", "临期特价、尾货秒杀、每日捡漏"),
];
/// Groups that went quiet a month or more before the end (死群).
const DEAD_GROUPS: [(&str, GroupDimension, &str); 4] = [
    (
        "海岸城开业福利群",
        GroupDimension::Other,
        "开业福利领取与到店核销",
    ),
    (
        "中秋礼盒团购群",
        GroupDimension::Other,
        "中秋礼盒团购与配送通知",
    ),
    (
        "福田早市拼单群",
        GroupDimension::District,
        "早市鲜菜拼单，满10单配送",
    ),
    (
        "宝安宝妈团购群",
        GroupDimension::Interest,
        "宝妈专属团购与母婴食材",
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pool {
    District(usize),
    Interest(usize),
    Tier(usize),
    Vip,
    Seed,
    Dead(usize),
}

impl Pool {
    /// All pools, in group-creation order.
    fn all() -> Vec<Pool> {
        let mut v: Vec<Pool> = (0..STORES.len()).map(Pool::District).collect();
        v.extend((0..GROUPED_INTERESTS).map(Pool::Interest));
        v.extend((0..TIER_GROUPS.len()).map(Pool::Tier));
        v.extend([Pool::Vip, Pool::Seed]);
        v.extend((0..DEAD_GROUPS.len()).map(Pool::Dead));
        v
    }

    /// (fewest, most) groups of the pool.
    fn bounds(self) -> (usize, usize) {
        match self {
            Pool::District(_) => (2, 400),
            Pool::Interest(_) => (1, 200),
            _ => (1, 1),
        }
    }

    fn spec(self, k: usize, count: usize, dies_at: &[i64]) -> GroupSpec {
        let num = |stem: &str| {
            if count > 1 {
                format!("{stem}{}群", k + 1)
            } else {
                format!("{stem}群")
            }
        };
        let (name, dimension, theme, rules, dies) = match self {
            Pool::District(s) => {
                let st = &STORES[s % STORES.len()];
                let theme = format!("{}福利群：每日鲜品特价、到店自提、邻里互助", st.name);
                let name = format!("{}{}群", st.short, k + 1);
                (
                    name,
                    GroupDimension::District,
                    theme,
                    DISTRICT_RULES.replace("{store}", st.name),
                    None,
                )
            }
            Pool::Interest(i) => {
                let (stem, theme) = INTEREST_GROUPS[i % INTEREST_GROUPS.len()];
                (
                    num(stem),
                    GroupDimension::Interest,
                    theme.to_string(),
                    INTEREST_RULES.to_string(),
                    None,
                )
            }
            Pool::Tier(i) => {
                let (name, theme) = TIER_GROUPS[i % TIER_GROUPS.len()];
                (
                    name.to_string(),
                    GroupDimension::ValueTier,
                    theme.to_string(),
                    INTEREST_RULES.to_string(),
                    None,
                )
            }
            Pool::Vip => (
                "鲜丰VIP尊享群".into(),
                GroupDimension::Vip,
                "VIP专属：新品优先试吃、专属客服、生日礼遇".into(),
                VIP_RULES.into(),
                None,
            ),
            Pool::Seed => (
                "鲜丰种子用户群".into(),
                GroupDimension::Seed,
                "种子用户共创：新品内测、活动共创、意见反馈".into(),
                SEED_RULES.into(),
                None,
            ),
            Pool::Dead(i) => {
                let (name, dim, theme) = DEAD_GROUPS[i % DEAD_GROUPS.len()];
                (
                    name.to_string(),
                    dim,
                    theme.to_string(),
                    INTEREST_RULES.to_string(),
                    dies_at.get(i).copied(),
                )
            }
        };
        GroupSpec {
            name,
            dimension,
            theme,
            rules,
            created_at: 0,
            dies_at: dies,
        }
    }
}

struct Request {
    member: usize,
    pool: usize,
    t: i64,
    scene: Scene,
}

/// The pools a member asks to join, primary first, at most three.
fn requests(
    rng: &mut Rng,
    cal: &Calendar,
    p: &Persona,
    primary: usize,
    pools: &[Pool],
    dies: &[i64],
) -> Vec<(usize, i64, Scene)> {
    let idx = |pool: Pool| pools.iter().position(|x| *x == pool).unwrap_or(0);
    let mut out = vec![(primary, p.arrival, p.source)];
    let a = p.arrival;
    if p.archetype == Archetype::Seed {
        out.push((idx(Pool::Seed), a + rng.range(HOUR, 2 * DAY), Scene::Invite));
    }
    if p.spend >= 4 && rng.chance(0.85) {
        out.push((
            idx(Pool::Vip),
            a + rng.range(3 * DAY, 20 * DAY),
            Scene::Invite,
        ));
    }
    let dead = match p.store {
        0 if a < cal.start + 10 * DAY && rng.chance(0.45) => Some(0),
        1 if rng.chance(0.14) => Some(2),
        2 if p.interests.contains(&0) && rng.chance(0.45) => Some(3),
        _ if rng.chance(0.07) => Some(1),
        _ => None,
    };
    if let Some(d) = dead {
        let t = a + rng.range(10 * MINUTE, DAY);
        if dies.get(d).is_some_and(|x| t < x - 5 * DAY) {
            out.push((idx(Pool::Dead(d)), t, Scene::Invite));
        }
    }
    let p_interest = match p.archetype {
        Archetype::Kol => 0.7,
        Archetype::Seed => 0.6,
        Archetype::Regular => 0.5,
        Archetype::Lurker => 0.35,
        _ => 0.4,
    };
    if let Some(&k) = p
        .interests
        .iter()
        .find(|&&k| k < GROUPED_INTERESTS && idx(Pool::Interest(k)) != primary)
        && rng.chance(p_interest)
    {
        out.push((
            idx(Pool::Interest(k)),
            a + HOUR + rng.exp(4.0 * DAY as f64) as i64,
            Scene::Invite,
        ));
    }
    if primary != idx(Pool::District(p.store)) && rng.chance(0.5) {
        out.push((
            idx(Pool::District(p.store)),
            a + rng.range(HOUR, 10 * DAY),
            Scene::LiveCode,
        ));
    }
    let tier = match p.spend {
        3 if rng.chance(0.25) => Some(0),
        2 if rng.chance(0.12) => Some(1),
        1 if rng.chance(0.15) => Some(2),
        _ => None,
    };
    if let Some(k) = tier {
        out.push((
            idx(Pool::Tier(k)),
            a + rng.range(7 * DAY, 30 * DAY),
            Scene::Invite,
        ));
    }
    let limit = p.active_until.min(cal.end - 30 * MINUTE);
    let mut kept = Vec::new();
    for (i, r) in out.into_iter().enumerate() {
        if kept.len() < 3
            && (i == 0 || r.1 < limit)
            && !kept.iter().any(|k: &(usize, i64, Scene)| k.0 == r.0)
        {
            kept.push(r);
        }
    }
    kept
}

/// Decides every member's group stays and returns the groups, in creation order.
pub fn assign(seed: u64, cal: &Calendar, people: &mut [Persona]) -> Vec<GroupSpec> {
    let mut rng = Rng::derive(seed, 2);
    let pools = Pool::all();
    let earliest_death = cal.start + cal.days * DAY * 35 / 100;
    let dies: Vec<i64> = (0..DEAD_GROUPS.len())
        .map(|_| (cal.end - rng.range(30, 48) * DAY).max(earliest_death))
        .collect();
    let pos = |pool: Pool| pools.iter().position(|x| *x == pool).unwrap_or(0);
    let mut primary: Vec<usize> = Vec::with_capacity(people.len());
    let mut reqs: Vec<Request> = Vec::new();
    for (i, p) in people.iter().enumerate() {
        let prim = match (p.source, p.inviter) {
            (Scene::Referral, Some(j)) if rng.chance(0.8) => primary
                .get(j)
                .copied()
                .unwrap_or(pos(Pool::District(p.store))),
            (Scene::Partner(s), _) => match PARTNERS.get(s as usize).and_then(|x| x.interest) {
                Some(k) if k < GROUPED_INTERESTS && rng.chance(0.6) => pos(Pool::Interest(k)),
                _ => pos(Pool::District(p.store)),
            },
            _ => pos(Pool::District(p.store)),
        };
        primary.push(prim);
        for (pool, t, scene) in requests(&mut rng, cal, p, prim, &pools, &dies) {
            reqs.push(Request {
                member: i,
                pool,
                t,
                scene,
            });
        }
    }
    let mut groups = Vec::new();
    for (pi, pool) in pools.iter().enumerate() {
        let mut mine: Vec<&Request> = reqs.iter().filter(|r| r.pool == pi).collect();
        mine.sort_by_key(|r| (r.t, r.member));
        let (lo, hi) = pool.bounds();
        let count = mine.len().div_ceil(QUOTA).clamp(lo, hi);
        mine.truncate(count * QUOTA);
        let quota = mine.len().div_ceil(count).max(1);
        let first = groups.len();
        for k in 0..count {
            groups.push(pool.spec(k, count, &dies));
        }
        for (n, r) in mine.iter().enumerate() {
            let g = first + n / quota;
            if let Some(p) = people.get_mut(r.member) {
                p.memberships.push(Membership {
                    group: g,
                    join: r.t,
                    leave: None,
                    scene: r.scene,
                });
            }
        }
    }
    leaves(&mut rng, cal, people, &groups);
    for g in groups.iter_mut() {
        g.created_at = cal.start - DAY;
    }
    for p in people.iter() {
        for m in &p.memberships {
            if let Some(g) = groups.get_mut(m.group)
                && (g.created_at == cal.start - DAY || m.join - 2 * HOUR < g.created_at)
            {
                g.created_at = (m.join - 2 * HOUR).max(cal.start - 3 * DAY);
            }
        }
    }
    groups
}

/// Who leaves: churners leave everything, dead groups shed members, others drop a group.
fn leaves(rng: &mut Rng, cal: &Calendar, people: &mut [Persona], groups: &[GroupSpec]) {
    for p in people.iter_mut() {
        p.memberships.sort_by_key(|m| m.join);
        let churner = p.archetype == Archetype::Churner;
        let until = p.active_until;
        for (i, m) in p.memberships.iter_mut().enumerate() {
            let dies = groups.get(m.group).and_then(|g| g.dies_at);
            let at = if churner {
                Some(until.max(m.join + HOUR) + rng.range(0, 36 * HOUR))
            } else if let Some(d) = dies {
                rng.chance(0.35)
                    .then(|| d.max(m.join + HOUR) + rng.range(0, 20 * DAY))
            } else if i > 0 && rng.chance(0.05) {
                Some(m.join + rng.range(3 * DAY, 40 * DAY))
            } else {
                None
            };
            m.leave = at.filter(|t| *t < cal.end);
        }
    }
}
