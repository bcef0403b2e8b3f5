//! What the demo chain sells and where: stores, districts, partner shops, interests and the
//! produce catalog with its Pareto-shaped popularity.

use super::rng::{Rng, Table};

/// The demo tenant's display name.
pub const TENANT_NAME: &str = "鲜丰生鲜（演示）";

/// A store of the chain and the district it serves.
pub struct Store {
    /// District (区) of 深圳.
    pub district: &'static str,
    /// Short name used in group names.
    pub short: &'static str,
    /// Full store name.
    pub name: &'static str,
    /// Share of members living near it.
    pub weight: f64,
}

/// The three stores, in three districts of 深圳.
pub const STORES: &[Store] = &[
    Store {
        district: "南山区",
        short: "南山店",
        name: "鲜丰南山海岸城店",
        weight: 0.38,
    },
    Store {
        district: "福田区",
        short: "福田店",
        name: "鲜丰福田车公庙店",
        weight: 0.34,
    },
    Store {
        district: "宝安区",
        short: "宝安店",
        name: "鲜丰宝安西乡店",
        weight: 0.28,
    },
];

/// Interests members declare; the first [`GROUPED_INTERESTS`] have their own groups.
pub const INTERESTS: &[&str] = &[
    "宝妈",
    "养生",
    "健身",
    "烘焙",
    "减脂",
    "水果控",
    "海鲜",
    "有机蔬菜",
    "素食",
    "老人健康",
];
/// How many of [`INTERESTS`] have interest groups.
pub const GROUPED_INTERESTS: usize = 6;

/// A partner shop of the alliance (社群联盟) and the interest its customers share.
pub struct Partner {
    /// Shop name.
    pub name: &'static str,
    /// Index into [`INTERESTS`], if the shop's customers share one.
    pub interest: Option<usize>,
}

/// Nearby merchants that send customers to the chain's groups.
pub const PARTNERS: &[Partner] = &[
    Partner {
        name: "悦动健身房",
        interest: Some(2),
    },
    Partner {
        name: "贝贝母婴生活馆",
        interest: Some(0),
    },
    Partner {
        name: "麦香烘焙坊",
        interest: Some(3),
    },
    Partner {
        name: "老陈茶行",
        interest: Some(1),
    },
    Partner {
        name: "轻体瑜伽馆",
        interest: Some(4),
    },
    Partner {
        name: "邻里便利店",
        interest: None,
    },
];

/// Posters that bring newcomers in.
pub const POSTERS: &[&str] = &["开业海报", "电梯广告", "社区团购海报", "店内收银台海报"];

/// A product (SKU).
pub struct Product {
    /// Name with the pack size, e.g. `海南香蕉 1kg`.
    pub name: &'static str,
    /// Shelf price in fen.
    pub price: i64,
    /// Indexes into [`INTERESTS`] whose members favour it.
    pub affinity: &'static [usize],
}

const fn p(name: &'static str, price: i64, affinity: &'static [usize]) -> Product {
    Product {
        name,
        price,
        affinity,
    }
}

/// The catalog, most popular first (popularity falls off as a power law).
pub const PRODUCTS: &[Product] = &[
    p("海南香蕉 1kg", 890, &[5]),
    p("农家土鸡蛋 30枚", 3280, &[0, 3]),
    p("本地菜心 500g", 490, &[7]),
    p("云南圣女果 500g", 990, &[4, 5]),
    p("鲜牛奶 950ml", 1590, &[0]),
    p("烟台红富士苹果 2.5kg", 2990, &[5, 9]),
    p("本地番茄 1kg", 790, &[7]),
    p("冰鲜鸡胸肉 1kg", 2590, &[2, 4]),
    p("赣南脐橙 5kg", 3990, &[5]),
    p("黑猪五花肉 500g", 3290, &[]),
    p("有机西兰花 500g", 690, &[2, 4, 7]),
    p("原味酸奶 1kg", 1890, &[0, 4]),
    p("精品黄瓜 500g", 390, &[4, 8]),
    p("广西沃柑 2.5kg", 1990, &[5]),
    p("鲜活基围虾 500g", 5980, &[6]),
    p("云南小土豆 1kg", 590, &[]),
    p("黑猪排骨 500g", 4290, &[1]),
    p("全麦吐司 400g", 1290, &[2, 4]),
    p("阳光玫瑰葡萄 500g", 2590, &[5]),
    p("智利车厘子 1kg", 8990, &[5]),
    p("新鲜玉米 3根", 890, &[4, 8]),
    p("香菇 300g", 890, &[8]),
    p("豆腐 2盒", 590, &[8]),
    p("佳沛奇异果 6个", 3290, &[0, 5]),
    p("进口牛油果 4个", 2490, &[0, 2, 4]),
    p("紫皮洋葱 1kg", 390, &[]),
    p("胡萝卜 1kg", 390, &[0]),
    p("有机菠菜 300g", 590, &[0, 7]),
    p("清远鸡 1只", 6880, &[1, 9]),
    p("冰鲜三文鱼 300g", 6990, &[0, 6]),
    p("鲜活鲈鱼 1条", 3290, &[6, 9]),
    p("铁棍山药 1kg", 1690, &[1, 9]),
    p("新疆库尔勒香梨 1.5kg", 2490, &[5]),
    p("四川丑橘 2.5kg", 2690, &[5]),
    p("海南贵妃芒 1.5kg", 2290, &[5]),
    p("五常大米 5kg", 5990, &[9]),
    p("金针菇 3包", 590, &[8]),
    p("生姜 500g", 690, &[1]),
    p("大蒜 500g", 590, &[]),
    p("山东大白菜 1棵", 590, &[]),
    p("红枣 500g", 2290, &[1, 9]),
    p("枸杞 250g", 2990, &[1]),
    p("东北小米 1kg", 1990, &[1, 9]),
    p("进口燕麦片 1kg", 3290, &[2, 4]),
    p("福建百香果 1kg", 1690, &[5]),
    p("越南红心火龙果 2个", 1590, &[4, 5]),
    p("陕西猕猴桃 1kg", 1490, &[5]),
    p("海南麒麟西瓜 1个", 2980, &[5]),
    p("丹东草莓 500g", 3990, &[3, 5]),
    p("低筋面粉 1kg", 990, &[3]),
    p("动物淡奶油 1L", 4290, &[3]),
    p("鲜榨橙汁 1L", 2290, &[0, 5]),
    p("土家蜂蜜 500g", 4980, &[1, 9]),
    p("冷冻虾仁 500g", 4590, &[0, 6]),
    p("大连鲍鱼 6只", 5990, &[6]),
    p("澳洲牛腱子 1kg", 10900, &[2]),
    p("压榨花生油 5L", 8990, &[]),
    p("坚果礼盒 750g", 12800, &[1, 9]),
    p("阳澄湖大闸蟹 4只", 16800, &[6]),
    p("泰国金枕榴莲 1个", 12900, &[5]),
];

/// Products of the flash sale (限时抢购) with their flash prices in fen.
pub const FLASH_ITEMS: &[(usize, i64)] = &[(19, 5990), (8, 1990), (1, 1990), (18, 1590)];

/// Products pushed on the big promotion day (gift boxes and stock-up items).
pub const BIG_SALE_ITEMS: &[usize] = &[57, 35, 56, 52, 58, 28, 19, 8, 1, 14, 5, 29];

/// Draws products: by global popularity, or by a member's interests.
pub struct Catalog {
    popularity: Table,
    by_interest: Vec<Vec<usize>>,
}

impl Catalog {
    /// Builds the popularity table (weight ∝ 1/rank^1.2, so a few products dominate).
    pub fn new() -> Self {
        let w: Vec<f64> = (0..PRODUCTS.len())
            .map(|i| 1.0 / ((i + 1) as f64).powf(1.2))
            .collect();
        let by_interest = (0..INTERESTS.len())
            .map(|k| {
                (0..PRODUCTS.len())
                    .filter(|&i| PRODUCTS.get(i).is_some_and(|p| p.affinity.contains(&k)))
                    .collect()
            })
            .collect();
        Catalog {
            popularity: Table::new(&w),
            by_interest,
        }
    }

    /// A product index for a member with these interests.
    pub fn draw(&self, rng: &mut Rng, interests: &[usize]) -> usize {
        if !interests.is_empty() && rng.chance(0.3) {
            let k = interests[rng.below(interests.len())];
            if let Some(list) = self.by_interest.get(k).filter(|l| !l.is_empty()) {
                return list[rng.below(list.len())];
            }
        }
        self.popularity.draw(rng)
    }
}

/// The product at `i` (the catalog is never empty; out-of-range wraps).
pub fn product(i: usize) -> &'static Product {
    &PRODUCTS[i % PRODUCTS.len()]
}
