//! Chinese names, WeChat-style nicknames, phone numbers and WeCom ids for demo members.

use std::collections::HashSet;

use super::rng::{Rng, Table};

/// Common surnames, most frequent first.
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "邓", "冯", "韩", "曹", "曾", "彭",
    "萧", "蔡", "潘", "田", "董", "袁", "于", "余", "叶", "蒋", "杜", "苏", "魏", "程", "吕", "丁",
    "沈", "任", "姚", "卢", "钟", "姜", "崔", "谭", "廖", "范", "汪", "陆", "金", "石", "戴", "贾",
    "韦", "夏", "邱", "方", "侯", "邹", "熊", "孟", "秦", "白", "江", "阎", "薛", "尹", "段", "雷",
    "黎", "史", "龙", "陶", "贺", "顾", "毛", "郝", "龚", "邵", "万", "钱", "严", "赖", "覃", "洪",
];

const FEMALE_GIVEN: &[&str] = &[
    "婷", "丽", "芳", "静", "敏", "燕", "艳", "娟", "霞", "玲", "丹", "萍", "红", "琳", "颖", "慧",
    "秀英", "玉兰", "桂英", "晓燕", "雪梅", "丽娟", "海燕", "春梅", "美玲", "小红", "晓丽", "慧敏",
    "欣怡", "梓涵", "诗琪", "佳怡", "雨婷", "子涵", "思琪", "梦瑶", "婉清", "雅婷", "晓雯", "嘉欣",
    "佩琪", "心怡", "悦", "妍", "倩", "蕾", "洁", "莉", "素芬", "淑珍", "凤英", "翠花", "美华",
    "丽华",
];

const MALE_GIVEN: &[&str] = &[
    "伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "斌", "鹏", "辉", "刚", "健", "峰",
    "志强", "建华", "建国", "俊杰", "浩然", "子轩", "宇航", "国强", "文斌", "海涛", "永刚", "晓东",
    "志明", "家豪", "梓豪", "嘉俊", "振华", "建平", "德明", "少华", "伟民", "立新", "锦涛", "卫东",
];

/// WeChat nicknames: some members are known to the shop only by them.
const NICK_FEMALE: &[&str] = &[
    "{g}妈妈",
    "小{g}",
    "{s}姐",
    "{g}宝妈",
    "阳光{g}",
    "{g}的小厨房",
    "{g}爱吃水果",
    "{s}太太",
];
const NICK_MALE: &[&str] = &["老{s}", "{s}哥", "{g}爸爸", "阿{g}", "{s}师傅", "跑步的{g}"];

/// Mobile prefixes of the three carriers.
const PHONE_PREFIXES: &[&str] = &[
    "138", "139", "137", "136", "135", "134", "150", "151", "152", "157", "158", "159", "182",
    "183", "187", "188", "130", "131", "132", "155", "156", "185", "186", "133", "153", "180",
    "181", "189", "177", "199", "166", "176", "173", "191", "198", "147",
];

const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Draws names and ids, remembering phones and ids already given out.
pub struct NameGen {
    surnames: Table,
    phones: HashSet<String>,
    ids: HashSet<String>,
}

impl NameGen {
    /// A generator with nothing given out yet.
    pub fn new() -> Self {
        // Zipf-like surname frequencies: 王 and 李 are far more common than 洪.
        let w: Vec<f64> = (0..SURNAMES.len())
            .map(|i| 1.0 / (i as f64 + 4.0))
            .collect();
        NameGen {
            surnames: Table::new(&w),
            phones: HashSet::new(),
            ids: HashSet::new(),
        }
    }

    /// A name: mostly 姓+名, sometimes a WeChat nickname.
    pub fn name(&self, rng: &mut Rng, female: bool) -> String {
        let s = SURNAMES
            .get(self.surnames.draw(rng))
            .copied()
            .unwrap_or("王");
        let given = if female { FEMALE_GIVEN } else { MALE_GIVEN };
        let g = rng.pick(given).copied().unwrap_or("明");
        if rng.chance(0.18) {
            let pats = if female { NICK_FEMALE } else { NICK_MALE };
            let p = rng.pick(pats).copied().unwrap_or("{s}{g}");
            // A nickname uses the last character of the given name.
            let last = g.chars().last().map(String::from).unwrap_or_default();
            return p.replace("{s}", s).replace("{g}", &last);
        }
        format!("{s}{g}")
    }

    /// A mainland mobile number no other member has.
    pub fn phone(&mut self, rng: &mut Rng) -> String {
        loop {
            let p = rng.pick(PHONE_PREFIXES).copied().unwrap_or("138");
            let n = format!("{p}{:08}", rng.below(100_000_000));
            if self.phones.insert(n.clone()) {
                return n;
            }
        }
    }

    /// A fresh id: `prefix` followed by `len` base-62 characters.
    pub fn id(&mut self, rng: &mut Rng, prefix: &str, len: usize) -> String {
        loop {
            let mut s = String::with_capacity(prefix.len() + len);
            s.push_str(prefix);
            for _ in 0..len {
                s.push(char::from(B62[rng.below(B62.len())]));
            }
            if self.ids.insert(s.clone()) {
                return s;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_unique_mainland_mobiles() {
        let mut g = NameGen::new();
        let mut r = Rng::new(3);
        for _ in 0..2000 {
            let p = g.phone(&mut r);
            assert_eq!(
                quanzi_domain::member::normalize_phone(&p).as_deref(),
                Some(p.as_str())
            );
        }
        assert_eq!(g.phones.len(), 2000);
        let n = g.name(&mut r, true);
        assert!(!n.is_empty() && n.chars().count() <= 12);
    }
}
