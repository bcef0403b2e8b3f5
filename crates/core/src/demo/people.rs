//! Personas: who the members are, when they arrive, how they came and how they behave.

use super::calendar::{Calendar, DAY, HOUR};
use super::catalog::{PARTNERS, POSTERS, STORES};
use super::names::NameGen;
use super::plan::{Archetype, Persona, Scene};
use super::rng::{Rng, Table};

const ARCHETYPES: [Archetype; 7] = [
    Archetype::Kol,
    Archetype::Seed,
    Archetype::Regular,
    Archetype::Occasional,
    Archetype::Lurker,
    Archetype::Churner,
    Archetype::Fader,
];
/// Archetype weights for the first wave (the groups' founders) and for later arrivals.
const EARLY_MIX: [f64; 7] = [0.022, 0.06, 0.2, 0.24, 0.3, 0.1, 0.078];
const LATER_MIX: [f64; 7] = [0.0005, 0.003, 0.16, 0.25, 0.38, 0.08, 0.1265];

/// Interest probabilities by gender (female, male), in `INTERESTS` order.
const INTEREST_P: [(f64, f64); 10] = [
    (0.38, 0.0),
    (0.25, 0.15),
    (0.08, 0.32),
    (0.14, 0.03),
    (0.2, 0.15),
    (0.3, 0.2),
    (0.1, 0.25),
    (0.12, 0.06),
    (0.05, 0.04),
    (0.08, 0.08),
];

/// Spending propensity (none, low, mid, high, vip) by archetype.
fn spend_weights(a: Archetype) -> [f64; 5] {
    match a {
        Archetype::Kol => [0.0, 0.0, 0.1, 0.4, 0.5],
        Archetype::Seed => [0.0, 0.05, 0.35, 0.4, 0.2],
        Archetype::Regular => [0.05, 0.25, 0.4, 0.22, 0.08],
        Archetype::Occasional => [0.25, 0.45, 0.25, 0.05, 0.0],
        Archetype::Lurker => [0.7, 0.25, 0.05, 0.0, 0.0],
        Archetype::Churner => [0.35, 0.4, 0.2, 0.05, 0.0],
        Archetype::Fader => [0.3, 0.4, 0.25, 0.05, 0.0],
    }
}

/// Arrival times: an opening wave in the first week, steady growth after, crowds before
/// campaigns.
fn arrivals(rng: &mut Rng, n: usize, cal: &Calendar) -> Vec<i64> {
    let w: Vec<f64> = (0..cal.days)
        .map(|d| {
            let mid = cal.day(d);
            let mut x = if d < 7 {
                5.0
            } else {
                1.0 + 0.6 * d as f64 / cal.days as f64
            };
            for campaign in [cal.flash_day, cal.big_day] {
                if (1..=4).contains(&((campaign - mid) / DAY)) {
                    x += 0.8;
                }
            }
            x
        })
        .collect();
    let table = Table::new(&w);
    let mut out: Vec<i64> = (0..n)
        .map(|_| {
            let d = table.draw(rng) as i64;
            cal.moment(rng, cal.day(d)).min(cal.end - HOUR)
        })
        .collect();
    out.sort_unstable();
    out
}

/// Members who can invite newcomers, by kind: KOLs, seeds, regulars, everyone else active.
#[derive(Default)]
struct Inviters {
    lists: [Vec<usize>; 4],
}

impl Inviters {
    fn add(&mut self, i: usize, a: Archetype) {
        let k = match a {
            Archetype::Kol => 0,
            Archetype::Seed => 1,
            Archetype::Regular => 2,
            Archetype::Occasional | Archetype::Fader | Archetype::Churner => 3,
            Archetype::Lurker => return,
        };
        if let Some(l) = self.lists.get_mut(k) {
            l.push(i);
        }
    }

    fn pick(&self, rng: &mut Rng, people: &[Persona], t: i64) -> Option<usize> {
        let w: Vec<f64> = [0.45, 0.25, 0.22, 0.08]
            .iter()
            .zip(&self.lists)
            .map(|(w, l)| if l.is_empty() { 0.0 } else { *w })
            .collect();
        if w.iter().all(|x| *x == 0.0) {
            return None;
        }
        for _ in 0..6 {
            let list = self.lists.get(rng.weighted(&w))?;
            let j = *rng.pick(list)?;
            let p = people.get(j)?;
            if p.arrival < t - HOUR && p.active_until > t + HOUR {
                return Some(j);
            }
        }
        None
    }
}

/// `n` prospects: people outside the community whom members' shared links reach. They
/// arrive with their first click (set by the plan), are in no group and do nothing else.
pub fn prospects(seed: u64, n: usize, cal: &Calendar) -> Vec<Persona> {
    let mut rng = Rng::derive(seed, 2);
    let names = NameGen::new();
    (0..n)
        .map(|_| {
            let female = rng.chance(0.7);
            Persona {
                name: names.name(&mut rng, female),
                female: Some(female),
                store: rng.below(STORES.len()),
                interests: vec![rng.below(INTEREST_P.len())],
                source: Scene::SharedLink,
                inviter: None,
                arrival: cal.start,
                archetype: Archetype::Occasional,
                spend: 0,
                active_until: cal.end,
                phone: None,
                external_userid: String::new(),
                unionid: None,
                memberships: Vec::new(),
            }
        })
        .collect()
}

/// Generates `n` personas in arrival order.
pub fn generate(seed: u64, n: usize, cal: &Calendar) -> Vec<Persona> {
    let mut rng = Rng::derive(seed, 1);
    let mut names = NameGen::new();
    let times = arrivals(&mut rng, n, cal);
    let early = Table::new(&EARLY_MIX);
    let later = Table::new(&LATER_MIX);
    let stores = Table::new(&STORES.iter().map(|s| s.weight).collect::<Vec<_>>());
    let mut people: Vec<Persona> = Vec::with_capacity(n);
    let mut inviters = Inviters::default();
    for (i, &arrival) in times.iter().enumerate() {
        let frac = (arrival - cal.start) as f64 / (cal.end - cal.start) as f64;
        let mix = if frac < 0.15 { &early } else { &later };
        let mut archetype = ARCHETYPES[mix.draw(&mut rng)];
        if archetype == Archetype::Churner && arrival > cal.end - 10 * DAY {
            archetype = Archetype::Occasional;
        }
        let female = match rng.f64() {
            x if x < 0.70 => Some(true),
            x if x < 0.98 => Some(false),
            _ => None,
        };
        let opening = arrival < cal.start + 7 * DAY;
        let mut source = if opening {
            match rng.weighted(&[0.5, 0.35, 0.15]) {
                0 => Scene::StoreQr(0),
                1 => Scene::Poster(rng.below(POSTERS.len()) as u8),
                _ => Scene::Partner(rng.below(PARTNERS.len()) as u8),
            }
        } else {
            match rng.weighted(&[0.33, 0.2, 0.2, 0.15, 0.12]) {
                0 => Scene::Referral,
                1 => Scene::Poster(rng.below(POSTERS.len()) as u8),
                2 => Scene::LiveCode,
                3 => Scene::Partner(rng.below(PARTNERS.len()) as u8),
                _ => Scene::StoreQr(0),
            }
        };
        let mut inviter = None;
        if source == Scene::Referral {
            inviter = inviters.pick(&mut rng, &people, arrival);
            if inviter.is_none() {
                source = Scene::LiveCode;
            }
        }
        let store = match inviter.and_then(|j| people.get(j)) {
            Some(p) if rng.chance(0.8) => p.store,
            _ => stores.draw(&mut rng),
        };
        if let Scene::StoreQr(_) = source {
            source = Scene::StoreQr(store as u8);
        }
        let is_female = female.unwrap_or_else(|| rng.chance(0.5));
        let mut interests: Vec<usize> = INTEREST_P
            .iter()
            .enumerate()
            .filter(|(_, (f, m))| rng.chance(if is_female { *f } else { *m }))
            .map(|(k, _)| k)
            .take(4)
            .collect();
        if let Scene::Partner(p) = source
            && let Some(k) = PARTNERS.get(p as usize).and_then(|p| p.interest)
            && !interests.contains(&k)
            && (k != 0 || is_female)
        {
            interests.insert(0, k);
        }
        if interests.is_empty() {
            interests.push(if rng.chance(0.6) { 5 } else { 7 });
        }
        let spend = Table::new(&spend_weights(archetype)).draw(&mut rng) as u8;
        let active_until = match archetype {
            Archetype::Churner => {
                let room = (cal.end - 3 * DAY - arrival).max(8 * DAY);
                arrival + rng.range(7 * DAY, room)
            }
            Archetype::Fader => arrival + rng.range(7 * DAY, 40 * DAY),
            _ => cal.end,
        };
        let name = names.name(&mut rng, is_female);
        let phone = rng.chance(0.85).then(|| names.phone(&mut rng));
        let external_userid = names.id(&mut rng, "wm", 30);
        let unionid = rng.chance(0.65).then(|| names.id(&mut rng, "o", 27));
        inviters.add(i, archetype);
        people.push(Persona {
            name,
            female,
            store,
            interests,
            source,
            inviter,
            arrival,
            archetype,
            spend,
            active_until,
            phone,
            external_userid,
            unionid,
            memberships: Vec::new(),
        });
    }
    people
}
