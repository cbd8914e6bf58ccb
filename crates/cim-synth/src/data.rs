//! Static vocabularies: names, nicknames, streets, cities, postcodes,
//! email domains and companies. Lists are ordered roughly by real-world
//! frequency because [`crate::rng::Rng::skewed`] favours the front.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Western male given names, most frequent first.
pub(crate) const MALE: &[&str] = &[
    "John",
    "James",
    "Robert",
    "Michael",
    "William",
    "David",
    "Richard",
    "Joseph",
    "Thomas",
    "Charles",
    "Christopher",
    "Daniel",
    "Matthew",
    "Anthony",
    "Mark",
    "Donald",
    "Steven",
    "Paul",
    "Andrew",
    "Joshua",
    "Kenneth",
    "Kevin",
    "Brian",
    "George",
    "Timothy",
    "Ronald",
    "Edward",
    "Jason",
    "Jeffrey",
    "Ryan",
    "Jacob",
    "Gary",
    "Nicholas",
    "Eric",
    "Jonathan",
    "Stephen",
    "Lawrence",
    "Justin",
    "Scott",
    "Brandon",
    "Benjamin",
    "Samuel",
    "Gregory",
    "Alexander",
    "Frank",
    "Patrick",
    "Raymond",
    "Jack",
    "Dennis",
    "Tyler",
    "Aaron",
    "José",
    "Adam",
    "Nathan",
    "Henry",
    "Douglas",
    "Zachary",
    "Peter",
    "Kyle",
    "Oliver",
    "Harry",
    "Liam",
    "Noah",
    "Ethan",
    "Philip",
    "Connor",
];

/// Western female given names, most frequent first.
pub(crate) const FEMALE: &[&str] = &[
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Barbara",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Lisa",
    "Nancy",
    "Margaret",
    "Sandra",
    "Ashley",
    "Kimberly",
    "Emily",
    "Donna",
    "Michelle",
    "Carol",
    "Amanda",
    "Dorothy",
    "Melissa",
    "Deborah",
    "Stephanie",
    "Rebecca",
    "Sharon",
    "Laura",
    "Cynthia",
    "Kathleen",
    "Amy",
    "Angela",
    "Anna",
    "Brenda",
    "Pamela",
    "Emma",
    "Nicole",
    "Helen",
    "Samantha",
    "Katherine",
    "Christine",
    "Rachel",
    "Catherine",
    "Maria",
    "Heather",
    "Diane",
    "Ruth",
    "Julie",
    "Olivia",
    "Victoria",
    "Kelly",
    "Lauren",
    "Christina",
    "Joan",
    "Evelyn",
    "Megan",
    "Andrea",
    "Hannah",
    "Jacqueline",
    "Martha",
    "Teresa",
    "Frances",
    "Abigail",
    "Alice",
    "Sophia",
    "Grace",
    "Natalie",
    "Charlotte",
    "Renée",
    "Chloe",
    "Zoe",
    "Siobhan",
];

/// Western family names, most frequent first.
pub(crate) const FAMILY: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Garcia",
    "Rodriguez",
    "Wilson",
    "Martinez",
    "Anderson",
    "Taylor",
    "Thomas",
    "Hernandez",
    "Moore",
    "Martin",
    "Jackson",
    "Thompson",
    "White",
    "Lopez",
    "Lee",
    "Gonzalez",
    "Harris",
    "Clark",
    "Lewis",
    "Robinson",
    "Walker",
    "Perez",
    "Hall",
    "Young",
    "Allen",
    "Sánchez",
    "Wright",
    "King",
    "Scott",
    "Green",
    "Baker",
    "Adams",
    "Nelson",
    "Hill",
    "Ramirez",
    "Campbell",
    "Mitchell",
    "Roberts",
    "Carter",
    "Phillips",
    "Evans",
    "Turner",
    "Torres",
    "Parker",
    "Collins",
    "Edwards",
    "Stewart",
    "Morris",
    "Nguyen",
    "Murphy",
    "Rivera",
    "Cook",
    "Rogers",
    "Morgan",
    "Peterson",
    "Cooper",
    "Reed",
    "Bailey",
    "Bell",
    "Kelly",
    "Howard",
    "Ward",
    "Cox",
    "Richardson",
    "Wood",
    "Watson",
    "Brooks",
    "Bennett",
    "Gray",
    "Hughes",
    "Price",
    "Patel",
    "Myers",
    "Foster",
    "O'Brien",
    "O'Connor",
    "McDonald",
    "MacLeod",
    "Fitzgerald",
    "Schmidt",
    "Müller",
    "Thomson",
    "Smith-Jones",
    "Van der Berg",
    "Kowalski",
];

/// A Chinese surname with its pinyin and common non-pinyin romanisations
/// (Cantonese, Wade-Giles) used by diaspora customers.
#[derive(Debug)]
pub(crate) struct CnSurname {
    /// Han characters (one or two).
    pub han: &'static str,
    /// Hanyu pinyin, capitalised, no tone marks.
    pub pinyin: &'static str,
    /// Alternative romanisations.
    pub alts: &'static [&'static str],
}

const fn sn(han: &'static str, pinyin: &'static str, alts: &'static [&'static str]) -> CnSurname {
    CnSurname { han, pinyin, alts }
}

/// Chinese surnames, most frequent first, then compound surnames.
pub(crate) const CN_SURNAMES: &[CnSurname] = &[
    sn("王", "Wang", &["Wong"]),
    sn("李", "Li", &["Lee", "Lei"]),
    sn("张", "Zhang", &["Chang", "Cheung"]),
    sn("刘", "Liu", &["Lau", "Lew"]),
    sn("陈", "Chen", &["Chan", "Chin"]),
    sn("杨", "Yang", &["Yeung", "Young"]),
    sn("黄", "Huang", &["Wong", "Hwang"]),
    sn("赵", "Zhao", &["Chiu", "Chao"]),
    sn("吴", "Wu", &["Ng", "Woo"]),
    sn("周", "Zhou", &["Chow", "Chou"]),
    sn("徐", "Xu", &["Hsu", "Tsui"]),
    sn("孙", "Sun", &["Suen"]),
    sn("马", "Ma", &["Mah"]),
    sn("朱", "Zhu", &["Chu", "Chue"]),
    sn("胡", "Hu", &["Woo", "Hoo"]),
    sn("郭", "Guo", &["Kwok", "Kuo"]),
    sn("何", "He", &["Ho"]),
    sn("高", "Gao", &["Ko", "Kao"]),
    sn("林", "Lin", &["Lam", "Lim"]),
    sn("罗", "Luo", &["Law", "Lo"]),
    sn("郑", "Zheng", &["Cheng", "Tay"]),
    sn("梁", "Liang", &["Leung"]),
    sn("谢", "Xie", &["Tse", "Hsieh"]),
    sn("宋", "Song", &["Sung"]),
    sn("唐", "Tang", &["Tong"]),
    sn("许", "Xu", &["Hui", "Hsu"]),
    sn("韩", "Han", &["Hon"]),
    sn("冯", "Feng", &["Fung"]),
    sn("邓", "Deng", &["Tang", "Teng"]),
    sn("曹", "Cao", &["Tso", "Tsao"]),
    sn("欧阳", "Ouyang", &["Au-Yeung", "Auyang"]),
    sn("司马", "Sima", &["Szeto", "Seto"]),
    sn("诸葛", "Zhuge", &[]),
    sn("上官", "Shangguan", &[]),
    sn("东方", "Dongfang", &[]),
];

/// Number of compound (two-character) surnames at the end of
/// [`CN_SURNAMES`]; they are drawn with their own small probability.
pub(crate) const CN_COMPOUND_SURNAMES: usize = 5;

/// A Chinese given name: Han characters and pinyin syllables separated by `|`.
#[derive(Debug)]
pub(crate) struct CnGiven {
    /// Han characters.
    pub han: &'static str,
    /// Pinyin syllables, first capitalised, separated by `|` (`Xiu|ying`).
    pub pinyin: &'static str,
}

const fn gn(han: &'static str, pinyin: &'static str) -> CnGiven {
    CnGiven { han, pinyin }
}

/// Chinese male given names.
pub(crate) const CN_MALE: &[CnGiven] = &[
    gn("伟", "Wei"),
    gn("强", "Qiang"),
    gn("磊", "Lei"),
    gn("军", "Jun"),
    gn("勇", "Yong"),
    gn("杰", "Jie"),
    gn("涛", "Tao"),
    gn("明", "Ming"),
    gn("超", "Chao"),
    gn("刚", "Gang"),
    gn("平", "Ping"),
    gn("辉", "Hui"),
    gn("鹏", "Peng"),
    gn("华", "Hua"),
    gn("飞", "Fei"),
    gn("鑫", "Xin"),
    gn("斌", "Bin"),
    gn("宇", "Yu"),
    gn("浩", "Hao"),
    gn("凯", "Kai"),
    gn("建华", "Jian|hua"),
    gn("志强", "Zhi|qiang"),
    gn("晓明", "Xiao|ming"),
    gn("浩然", "Hao|ran"),
    gn("宇轩", "Yu|xuan"),
    gn("子豪", "Zi|hao"),
    gn("俊杰", "Jun|jie"),
    gn("建国", "Jian|guo"),
    gn("国强", "Guo|qiang"),
    gn("文博", "Wen|bo"),
    gn("天宇", "Tian|yu"),
    gn("明辉", "Ming|hui"),
    gn("家豪", "Jia|hao"),
    gn("志伟", "Zhi|wei"),
    gn("海涛", "Hai|tao"),
    gn("鹏飞", "Peng|fei"),
    gn("思远", "Si|yuan"),
    gn("博文", "Bo|wen"),
];

/// Chinese female given names.
pub(crate) const CN_FEMALE: &[CnGiven] = &[
    gn("芳", "Fang"),
    gn("娜", "Na"),
    gn("敏", "Min"),
    gn("静", "Jing"),
    gn("丽", "Li"),
    gn("艳", "Yan"),
    gn("娟", "Juan"),
    gn("霞", "Xia"),
    gn("玲", "Ling"),
    gn("婷", "Ting"),
    gn("雪", "Xue"),
    gn("琳", "Lin"),
    gn("颖", "Ying"),
    gn("倩", "Qian"),
    gn("洁", "Jie"),
    gn("红", "Hong"),
    gn("慧", "Hui"),
    gn("丹", "Dan"),
    gn("秀英", "Xiu|ying"),
    gn("桂英", "Gui|ying"),
    gn("海燕", "Hai|yan"),
    gn("欣怡", "Xin|yi"),
    gn("子涵", "Zi|han"),
    gn("雨桐", "Yu|tong"),
    gn("梓萱", "Zi|xuan"),
    gn("诗涵", "Shi|han"),
    gn("晓燕", "Xiao|yan"),
    gn("丽娟", "Li|juan"),
    gn("婉婷", "Wan|ting"),
    gn("佳怡", "Jia|yi"),
    gn("思琪", "Si|qi"),
    gn("美玲", "Mei|ling"),
    gn("雅婷", "Ya|ting"),
    gn("春梅", "Chun|mei"),
    gn("玉兰", "Yu|lan"),
];

/// Same-sounding characters a pinyin input method offers for each character
/// of the name tables: picking the wrong one is the Han "typo".
pub(crate) const HAN_HOMOPHONES: &[(char, &str)] = &[
    ('王', "汪"),
    ('李', "黎里"),
    ('张', "章"),
    ('刘', "柳留"),
    ('陈', "程晨"),
    ('杨', "阳扬"),
    ('黄', "皇王"),
    ('赵', "照"),
    ('吴', "武伍"),
    ('周', "舟州"),
    ('徐', "许"),
    ('孙', "荪"),
    ('马', "玛"),
    ('朱', "珠"),
    ('胡', "湖"),
    ('郭', "国"),
    ('何', "贺和"),
    ('高', "郜"),
    ('林', "琳霖"),
    ('罗', "洛"),
    ('郑', "正"),
    ('梁', "良"),
    ('谢', "解"),
    ('宋', "送"),
    ('唐', "汤"),
    ('许', "徐"),
    ('韩', "寒"),
    ('冯', "封"),
    ('邓', "登"),
    ('曹', "草"),
    ('欧', "区"),
    ('阳', "杨"),
    ('司', "思"),
    ('诸', "朱"),
    ('葛', "格"),
    ('上', "尚"),
    ('官', "关"),
    ('东', "冬"),
    ('方', "芳"),
    ('伟', "维玮炜"),
    ('强', "墙蔷"),
    ('磊', "垒"),
    ('军', "君均"),
    ('勇', "永咏"),
    ('杰', "洁捷"),
    ('涛', "韬滔"),
    ('明', "铭鸣"),
    ('超', "潮"),
    ('刚', "钢"),
    ('平', "萍苹"),
    ('辉', "晖"),
    ('鹏', "朋"),
    ('华', "桦骅"),
    ('飞', "菲"),
    ('鑫', "新欣"),
    ('斌', "彬"),
    ('宇', "雨羽"),
    ('浩', "昊皓"),
    ('凯', "恺"),
    ('建', "健剑"),
    ('志', "智致"),
    ('晓', "小"),
    ('然', "冉"),
    ('轩', "萱宣"),
    ('子', "紫梓"),
    ('豪', "浩"),
    ('俊', "骏"),
    ('国', "郭"),
    ('文', "雯"),
    ('博', "波"),
    ('天', "添"),
    ('家', "佳嘉"),
    ('海', "凯"),
    ('思', "斯"),
    ('远', "源"),
    ('芳', "方"),
    ('娜', "那"),
    ('敏', "民"),
    ('静', "晶靖"),
    ('丽', "莉俪"),
    ('艳', "燕"),
    ('娟', "鹃"),
    ('霞', "侠"),
    ('玲', "铃琳"),
    ('婷', "亭庭"),
    ('雪', "学"),
    ('琳', "林玲"),
    ('颖', "莹"),
    ('倩', "茜"),
    ('洁', "杰"),
    ('红', "虹"),
    ('慧', "惠"),
    ('丹', "单"),
    ('秀', "绣"),
    ('英', "瑛莹"),
    ('桂', "贵"),
    ('燕', "艳雁"),
    ('欣', "馨心"),
    ('怡', "宜仪"),
    ('涵', "晗寒"),
    ('雨', "宇"),
    ('桐', "彤"),
    ('梓', "子"),
    ('萱', "轩"),
    ('诗', "师"),
    ('婉', "宛"),
    ('佳', "家"),
    ('琪', "琦棋"),
    ('美', "梅"),
    ('雅', "亚"),
    ('春', "椿"),
    ('梅', "美"),
    ('玉', "钰"),
    ('兰', "岚"),
];

/// Traditional forms of simplified characters: what a Hong Kong/Taiwan
/// keyboard or a conversion tool produces for the same name.
pub(crate) const HAN_TRADITIONAL: &[(char, char)] = &[
    ('张', '張'),
    ('刘', '劉'),
    ('陈', '陳'),
    ('杨', '楊'),
    ('黄', '黃'),
    ('赵', '趙'),
    ('吴', '吳'),
    ('孙', '孫'),
    ('马', '馬'),
    ('郭', '郭'),
    ('罗', '羅'),
    ('郑', '鄭'),
    ('谢', '謝'),
    ('许', '許'),
    ('韩', '韓'),
    ('冯', '馮'),
    ('邓', '鄧'),
    ('欧', '歐'),
    ('阳', '陽'),
    ('诸', '諸'),
    ('东', '東'),
    ('伟', '偉'),
    ('强', '強'),
    ('军', '軍'),
    ('杰', '傑'),
    ('涛', '濤'),
    ('刚', '剛'),
    ('辉', '輝'),
    ('鹏', '鵬'),
    ('华', '華'),
    ('飞', '飛'),
    ('斌', '斌'),
    ('凯', '凱'),
    ('晓', '曉'),
    ('轩', '軒'),
    ('俊', '俊'),
    ('国', '國'),
    ('远', '遠'),
    ('静', '靜'),
    ('丽', '麗'),
    ('艳', '艷'),
    ('颖', '穎'),
    ('洁', '潔'),
    ('红', '紅'),
    ('丹', '丹'),
    ('秀', '秀'),
    ('欣', '欣'),
    ('涵', '涵'),
    ('诗', '詩'),
    ('婉', '婉'),
    ('琪', '琪'),
    ('美', '美'),
    ('雅', '雅'),
    ('兰', '蘭'),
];

/// The homophones of one Han character, if the table has any.
pub(crate) fn han_homophones(c: char) -> Option<&'static str> {
    HAN_HOMOPHONES
        .iter()
        .find(|(k, _)| *k == c)
        .map(|(_, v)| *v)
}

/// The traditional form of one Han character when it differs.
pub(crate) fn han_traditional(c: char) -> Option<char> {
    HAN_TRADITIONAL
        .iter()
        .find(|(k, t)| *k == c && k != t)
        .map(|(_, t)| *t)
}

/// Names shared by a great many distinct people, used by the
/// `common_name` hard case (`John Smith`, `张伟`).
pub(crate) const COMMON_WESTERN: &[(&str, &str, bool)] = &[
    ("John", "Smith", true),
    ("John", "Smith", true),
    ("John", "Smith", true),
    ("Mary", "Smith", false),
    ("Michael", "Brown", true),
    ("David", "Jones", true),
    ("Jennifer", "Johnson", false),
];

/// Chinese counterparts of [`COMMON_WESTERN`]: (surname index into
/// [`CN_SURNAMES`], given Han, male).
pub(crate) const COMMON_CHINESE: &[(usize, &str, bool)] = &[
    (2, "伟", true),
    (2, "伟", true),
    (2, "伟", true),
    (0, "芳", false),
    (1, "娜", false),
    (0, "伟", true),
    (3, "洋", true),
];

/// Pinyin of the given names used only by [`COMMON_CHINESE`] and not in the
/// given-name tables.
pub(crate) const EXTRA_GIVEN: &[CnGiven] = &[gn("洋", "Yang")];

/// Street types: full form, abbreviation.
pub(crate) const STREET_TYPES: &[(&str, &str)] = &[
    ("Street", "St"),
    ("Avenue", "Ave"),
    ("Road", "Rd"),
    ("Drive", "Dr"),
    ("Lane", "Ln"),
    ("Boulevard", "Blvd"),
    ("Court", "Ct"),
    ("Place", "Pl"),
    ("Terrace", "Terr"),
    ("Crescent", "Cres"),
    ("Gardens", "Gdns"),
    ("Square", "Sq"),
];

/// How many leading [`STREET_TYPES`] US addresses use.
pub(crate) const US_STREET_TYPES: usize = 8;

/// US street names.
pub(crate) const US_STREETS: &[&str] = &[
    "Main",
    "Oak",
    "Maple",
    "Cedar",
    "Pine",
    "Elm",
    "Washington",
    "Lake",
    "Hill",
    "Park",
    "Sunset",
    "Highland",
    "Madison",
    "Jefferson",
    "Lincoln",
    "Franklin",
    "Church",
    "Spring",
    "Market",
    "Mission",
    "Valencia",
    "Grant",
    "Union",
    "Center",
    "Walnut",
    "Chestnut",
    "Ridge",
    "Lexington",
    "Columbus",
    "Magnolia",
];

/// UK street names.
pub(crate) const UK_STREETS: &[&str] = &[
    "High",
    "Station",
    "Church",
    "Victoria",
    "Kings",
    "Queens",
    "Mill",
    "Park",
    "London",
    "Baker",
    "Green",
    "Manor",
    "Albert",
    "York",
    "Castle",
    "Chapel",
    "Grange",
    "Windsor",
    "Orchard",
    "Springfield",
    "Clarence",
    "Hampton",
    "Cromwell",
    "Portland",
];

/// A US city: name, ZIP range (inclusive), area codes that
/// libphonenumber accepts for it.
#[derive(Debug)]
pub(crate) struct UsCity {
    pub name: &'static str,
    pub zip_lo: u32,
    pub zip_hi: u32,
    pub area_codes: &'static [u16],
}

/// US cities, largest customer bases first.
pub(crate) const US_CITIES: &[UsCity] = &[
    UsCity {
        name: "New York",
        zip_lo: 10001,
        zip_hi: 10282,
        area_codes: &[212, 646, 917],
    },
    UsCity {
        name: "Los Angeles",
        zip_lo: 90001,
        zip_hi: 90089,
        area_codes: &[213, 310, 323],
    },
    UsCity {
        name: "Chicago",
        zip_lo: 60601,
        zip_hi: 60661,
        area_codes: &[312, 773],
    },
    UsCity {
        name: "Houston",
        zip_lo: 77001,
        zip_hi: 77099,
        area_codes: &[713, 832],
    },
    UsCity {
        name: "San Francisco",
        zip_lo: 94102,
        zip_hi: 94134,
        area_codes: &[415, 628],
    },
    UsCity {
        name: "Boston",
        zip_lo: 2108,
        zip_hi: 2136,
        area_codes: &[617, 857],
    },
    UsCity {
        name: "Seattle",
        zip_lo: 98101,
        zip_hi: 98199,
        area_codes: &[206],
    },
    UsCity {
        name: "Philadelphia",
        zip_lo: 19102,
        zip_hi: 19154,
        area_codes: &[215, 267],
    },
    UsCity {
        name: "Denver",
        zip_lo: 80201,
        zip_hi: 80239,
        area_codes: &[303, 720],
    },
    UsCity {
        name: "Austin",
        zip_lo: 78701,
        zip_hi: 78759,
        area_codes: &[512, 737],
    },
    UsCity {
        name: "Atlanta",
        zip_lo: 30301,
        zip_hi: 30349,
        area_codes: &[404, 678],
    },
    UsCity {
        name: "Portland",
        zip_lo: 97201,
        zip_hi: 97236,
        area_codes: &[503, 971],
    },
];

/// A UK city: name, postcode districts, landline prefix (national
/// significant number without the last three digits, in Ofcom's drama
/// ranges) and its group sizes.
#[derive(Debug)]
pub(crate) struct UkCity {
    pub name: &'static str,
    pub districts: &'static [&'static str],
    pub landline_prefix: &'static str,
    pub landline_groups: [u8; 3],
}

/// UK cities.
pub(crate) const UK_CITIES: &[UkCity] = &[
    UkCity {
        name: "London",
        districts: &[
            "SW1A", "E1", "N1", "W2", "SE1", "NW3", "EC1V", "SW11", "E14", "N16",
        ],
        landline_prefix: "2079460",
        landline_groups: [2, 4, 4],
    },
    UkCity {
        name: "Manchester",
        districts: &["M1", "M4", "M14", "M20"],
        landline_prefix: "1614960",
        landline_groups: [3, 3, 4],
    },
    UkCity {
        name: "Birmingham",
        districts: &["B1", "B5", "B15", "B29"],
        landline_prefix: "1214960",
        landline_groups: [3, 3, 4],
    },
    UkCity {
        name: "Leeds",
        districts: &["LS1", "LS6", "LS8"],
        landline_prefix: "1134960",
        landline_groups: [3, 3, 4],
    },
    UkCity {
        name: "Edinburgh",
        districts: &["EH1", "EH3", "EH9"],
        landline_prefix: "1314960",
        landline_groups: [3, 3, 4],
    },
    UkCity {
        name: "Bristol",
        districts: &["BS1", "BS6", "BS8"],
        landline_prefix: "1174960",
        landline_groups: [3, 3, 4],
    },
];

/// Letters allowed in the inward part of a UK postcode.
pub(crate) const UK_INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";

/// First digits (after the leading 7) of UK mobile numbers that
/// libphonenumber accepts. `07700 900xxx`, Ofcom's drama range, is NOT
/// among them: libphonenumber rejects it.
pub(crate) const UK_MOBILE_PREFIXES: &[&str] = &[
    "71", "72", "73", "740", "741", "742", "743", "746", "747", "748", "749", "751", "753", "754",
    "756", "757", "758", "759", "771", "772", "773", "774", "775", "776", "777", "780", "781",
    "784", "785", "786", "787", "788", "789", "790", "792", "794", "795", "796", "797", "798",
];

/// Prefixes of mainland Chinese mobile numbers (China Mobile, Unicom, Telecom).
pub(crate) const CN_MOBILE_PREFIXES: &[&str] = &[
    "138", "139", "135", "136", "137", "150", "151", "152", "157", "158", "159", "186", "187",
    "188", "130", "131", "132", "155", "156", "185", "133", "153", "180", "181", "189", "177",
    "199",
];

/// A Chinese city district: Han, pinyin, postcodes.
#[derive(Debug)]
pub(crate) struct CnDistrict {
    pub han: &'static str,
    pub pinyin: &'static str,
    pub postcodes: &'static [&'static str],
}

/// A Chinese city: Han (without 市), pinyin, districts.
#[derive(Debug)]
pub(crate) struct CnCity {
    pub han: &'static str,
    pub pinyin: &'static str,
    pub districts: &'static [CnDistrict],
}

const fn dist(
    han: &'static str,
    pinyin: &'static str,
    postcodes: &'static [&'static str],
) -> CnDistrict {
    CnDistrict {
        han,
        pinyin,
        postcodes,
    }
}

/// Chinese cities, largest customer bases first.
pub(crate) const CN_CITIES: &[CnCity] = &[
    CnCity {
        han: "北京",
        pinyin: "Beijing",
        districts: &[
            dist("朝阳区", "Chaoyang", &["100020", "100022", "100025"]),
            dist("海淀区", "Haidian", &["100080", "100086", "100083"]),
            dist("东城区", "Dongcheng", &["100010", "100006"]),
            dist("西城区", "Xicheng", &["100032", "100035"]),
        ],
    },
    CnCity {
        han: "上海",
        pinyin: "Shanghai",
        districts: &[
            dist("浦东新区", "Pudong New", &["200120", "200122", "200135"]),
            dist("徐汇区", "Xuhui", &["200030", "200031"]),
            dist("静安区", "Jing'an", &["200040", "200041"]),
            dist("黄浦区", "Huangpu", &["200001", "200002"]),
        ],
    },
    CnCity {
        han: "广州",
        pinyin: "Guangzhou",
        districts: &[
            dist("天河区", "Tianhe", &["510620", "510630"]),
            dist("越秀区", "Yuexiu", &["510030", "510050"]),
            dist("海珠区", "Haizhu", &["510220", "510300"]),
        ],
    },
    CnCity {
        han: "深圳",
        pinyin: "Shenzhen",
        districts: &[
            dist("南山区", "Nanshan", &["518052", "518057"]),
            dist("福田区", "Futian", &["518033", "518048"]),
            dist("罗湖区", "Luohu", &["518001", "518010"]),
        ],
    },
    CnCity {
        han: "杭州",
        pinyin: "Hangzhou",
        districts: &[
            dist("西湖区", "Xihu", &["310012", "310013"]),
            dist("上城区", "Shangcheng", &["310002"]),
        ],
    },
    CnCity {
        han: "成都",
        pinyin: "Chengdu",
        districts: &[
            dist("武侯区", "Wuhou", &["610041", "610043"]),
            dist("锦江区", "Jinjiang", &["610021"]),
        ],
    },
    CnCity {
        han: "南京",
        pinyin: "Nanjing",
        districts: &[
            dist("鼓楼区", "Gulou", &["210008", "210009"]),
            dist("玄武区", "Xuanwu", &["210018"]),
        ],
    },
    CnCity {
        han: "武汉",
        pinyin: "Wuhan",
        districts: &[
            dist("武昌区", "Wuchang", &["430061", "430071"]),
            dist("江汉区", "Jianghan", &["430015"]),
        ],
    },
    CnCity {
        han: "西安",
        pinyin: "Xi'an",
        districts: &[dist("雁塔区", "Yanta", &["710061", "710065"])],
    },
    CnCity {
        han: "天津",
        pinyin: "Tianjin",
        districts: &[dist("和平区", "Heping", &["300041", "300050"])],
    },
];

/// Chinese roads: Han stem, pinyin stem, suffix index into [`CN_ROAD_KINDS`].
pub(crate) const CN_ROADS: &[(&str, &str, usize)] = &[
    ("建国", "Jianguo", 0),
    ("人民", "Renmin", 0),
    ("中山", "Zhongshan", 0),
    ("解放", "Jiefang", 0),
    ("长安", "Chang'an", 1),
    ("南京", "Nanjing", 0),
    ("淮海", "Huaihai", 0),
    ("科技", "Keji", 0),
    ("和平", "Heping", 0),
    ("新华", "Xinhua", 1),
    ("文化", "Wenhua", 0),
    ("东风", "Dongfeng", 0),
    ("青年", "Qingnian", 0),
    ("光明", "Guangming", 1),
    ("滨江", "Binjiang", 2),
    ("世纪", "Shiji", 2),
    ("学院", "Xueyuan", 0),
    ("迎宾", "Yingbin", 2),
];

/// Chinese road suffixes: Han, English full, English abbreviation.
pub(crate) const CN_ROAD_KINDS: &[(&str, &str, &str)] = &[
    ("路", "Road", "Rd"),
    ("街", "Street", "St"),
    ("大道", "Avenue", "Ave"),
];

/// Free-mail domains for customers outside China, most used first.
pub(crate) const WESTERN_DOMAINS: &[&str] = &[
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "hotmail.com",
    "icloud.com",
    "aol.com",
    "protonmail.com",
];

/// Extra free-mail domains of UK customers.
pub(crate) const UK_DOMAINS: &[&str] = &["btinternet.com", "hotmail.co.uk", "yahoo.co.uk"];

/// Mail domains of customers in China, most used first.
pub(crate) const CN_DOMAINS: &[&str] = &[
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "foxmail.com",
    "gmail.com",
    "outlook.com",
];

/// Email tags that customers add to track who sells their address.
pub(crate) const EMAIL_TAGS: &[&str] = &["shop", "news", "promo", "orders", "2021", "spam"];

/// A company: display name, legal-form variants and mail domain.
#[derive(Debug)]
pub(crate) struct Company {
    /// Name without the legal form.
    pub stem: &'static str,
    /// Legal-form spellings: the first is canonical.
    pub forms: &'static [&'static str],
    /// Mail domain of its employees.
    pub domain: &'static str,
}

const fn co(stem: &'static str, forms: &'static [&'static str], domain: &'static str) -> Company {
    Company {
        stem,
        forms,
        domain,
    }
}

/// Fictional employers.
pub(crate) const COMPANIES: &[Company] = &[
    co(
        "Northwind Traders",
        &["", " Inc", " Inc."],
        "northwindtraders.com",
    ),
    co("Contoso", &[" Ltd", " Limited", " Ltd."], "contoso.co.uk"),
    co(
        "Fabrikam",
        &[" Inc", " Inc.", " Incorporated"],
        "fabrikam.com",
    ),
    co("Globex", &[" Corporation", " Corp", " Corp."], "globex.com"),
    co("Tailspin Toys", &["", " LLC"], "tailspintoys.com"),
    co(
        "Blue Harbor Analytics",
        &[" LLC", " L.L.C."],
        "blueharbor.io",
    ),
    co(
        "Riverside Dental Group",
        &["", " PLLC"],
        "riversidedental.com",
    ),
    co(
        "Summit Logistics",
        &[" LLC", " L.L.C."],
        "summitlogistics.com",
    ),
    co(
        "Greenfield Foods",
        &[" Ltd", " Limited"],
        "greenfieldfoods.co.uk",
    ),
    co(
        "Brightline Consulting",
        &[" Ltd", " Limited"],
        "brightline.co.uk",
    ),
    co(
        "Pioneer Health Partners",
        &["", " LLP"],
        "pioneerhealth.org",
    ),
    co(
        "Shenzhen Starlight Electronics",
        &[" Co., Ltd.", " Co Ltd", " Company Limited"],
        "starlight-sz.cn",
    ),
    co(
        "Hangzhou Westlake Tea",
        &[" Co., Ltd.", " Co Ltd"],
        "westlaketea.cn",
    ),
    co(
        "Beijing Tianyu Software",
        &[" Co., Ltd.", " Co Ltd"],
        "tianyusoft.cn",
    ),
];

/// How many leading [`COMPANIES`] are Western; the rest are Chinese.
pub(crate) const WESTERN_COMPANIES: usize = 11;

/// Spellings of a country: canonical long name, ISO code, variants.
#[derive(Debug)]
pub(crate) struct CountryNames {
    pub long: &'static str,
    pub iso2: &'static str,
    pub variants: &'static [&'static str],
}

/// United States.
pub(crate) const US_NAMES: CountryNames = CountryNames {
    long: "United States",
    iso2: "US",
    variants: &["USA", "US", "U.S.", "United States of America"],
};
/// United Kingdom.
pub(crate) const UK_NAMES: CountryNames = CountryNames {
    long: "United Kingdom",
    iso2: "GB",
    variants: &["UK", "GB", "Great Britain", "England"],
};
/// China.
pub(crate) const CN_NAMES: CountryNames = CountryNames {
    long: "China",
    iso2: "CN",
    variants: &["CN", "PRC", "People's Republic of China", "中国"],
};

/// QWERTY neighbours of each lower-case letter.
pub(crate) fn keyboard_neighbours(c: char) -> &'static str {
    match c.to_ascii_lowercase() {
        'q' => "wa",
        'w' => "qeas",
        'e' => "wrsd",
        'r' => "etdf",
        't' => "ryfg",
        'y' => "tugh",
        'u' => "yihj",
        'i' => "uojk",
        'o' => "ipkl",
        'p' => "ol",
        'a' => "qwsz",
        's' => "weadzx",
        'd' => "erfsxc",
        'f' => "rtdgcv",
        'g' => "tyfhvb",
        'h' => "yugjbn",
        'j' => "uihknm",
        'k' => "iojlm",
        'l' => "opk",
        'z' => "asx",
        'x' => "zsdc",
        'c' => "xdfv",
        'v' => "cfgb",
        'b' => "vghn",
        'n' => "bhjm",
        'm' => "njk",
        _ => "",
    }
}

/// Nickname table parsed from `data/nicknames.csv`: formal -> nicknames.
pub(crate) fn nicknames(formal: &str) -> Option<&'static [&'static str]> {
    static TABLE: OnceLock<HashMap<&'static str, Vec<&'static str>>> = OnceLock::new();
    TABLE
        .get_or_init(|| {
            include_str!("../data/nicknames.csv")
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .filter_map(|l| l.split_once(','))
                .map(|(formal, nicks)| (formal.trim(), nicks.split('|').map(str::trim).collect()))
                .collect()
        })
        .get(formal)
        .map(Vec::as_slice)
}
