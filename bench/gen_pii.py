#!/usr/bin/env python3
"""Held-out labelled corpus generator for sensitive-data classification.

    gen_pii.py --out DIR [--seed 7] [--entries 1500]

Writes DIR/traffic.har (HAR 1.2, bodies inline) and DIR/truth.json in exactly the format of
shared/corpora/pii-dev (see its README: `meta`, `types`, `endpoints`, `labels`, `hard_negatives`,
`entries`), so that `score_pii.py REPORT DIR/truth.json` scores a Lampyr report of DIR/traffic.har.

The point is generalisation: the dev corpus is what the classifier is tuned on, the graders use
traffic from services and field names we have never seen. This corpus therefore shares nothing
with pii-dev but the type vocabulary and the labelling rules:

* five invented services on their own hosts: an insurance-claims API (pinyin + camelCase), a
  telecom operator self-service API (PascalCase JSON, kebab-case headers), an e-commerce /
  logistics open API (snake_case and abbreviated English: `custNm`, `ph_no`, `addr1`), a
  municipal government / social-security portal (pinyin abbreviations: `sfzh`, `sjhm`, `xm`,
  `dz`, `yhkh`, `zjhm`, `lxdh`, `csrq`, ...) and an HR / payroll API (English abbreviations:
  `dob`, `ssnFull`, `homeAddr`, `empNm`, ...); ~50 endpoints, --entries calls (default 1500)
  with a skewed call distribution; about 2.5% error responses (never the first calls);
* uninformative field names (`value`, `v1`, `content`, `desc`, `ext1`, key/value attribute lists)
  where only the value reveals the type, and free text (Chinese and English sentences with a
  phone number, e-mail or ID number inside, labelled with that value's type);
* all 29 types, with checksum-valid generators written here (no Faker): GB 11643 IDs (incl.
  15-digit legacy ids), Luhn cards (UnionPay 16-19 digits, Visa, Mastercard 5x / 2-series, Amex,
  JCB), USCC (mod-31 plus the embedded GB 11714 organisation-code check), IBANs of 10 countries
  (mod-97, electronic and print format), IMEIs (Luhn), mobiles of all current MIIT segments in
  several formats (`13812345678`, `+86 138 1234 5678`, `138-1234-5678`, `+8613812345678`),
  landlines with real area codes, plates incl. new-energy plates, permits, military ids,
  passports (CN and 8 other countries), e-mails on varied domains, phones of 10 countries, SSNs,
  public IPv4 / global IPv6, MACs in colon / hyphen / Cisco-dot notation, JWTs, AWS / GitHub /
  Stripe / Slack secrets, PEM private keys, passwords and PINs, person names of many
  nationalities, dates of birth in 8 formats, ICD-10 codes (WHO and Chinese clinical edition),
  coordinates as numbers, "lat,lng" strings and [lng, lat] arrays;
* values in JSON bodies (nested objects, arrays of records, arrays of scalars, top-level
  arrays), query strings, form-urlencoded bodies, request and response headers, cookies, path
  segments and free text;
* hard negatives of every pii-dev kind (amount_digits, base64_blob, business_no, date_nondob,
  decimal_nongeo, ean13, hash, id18_bad_checksum, invalid_mobile_prefix, luhn_fail_16,
  masked_card, masked_email, masked_id, masked_mobile, masked_name, merchant_no, order_id,
  pem_public, sku, snowflake_id, timestamp_ms, tracking_number, user_agent, uuid, version) plus
  new ones: luhn_order_no (Luhn-valid 16-19 digit order numbers under order-like names),
  invoice_no, isbn, build_hash, postcode, trace_id, masked_ssn, iban_bad_checksum.

Labelling follows the pii-dev README: a location is labelled with every type observed there
(`occurrences` = values of that type seen), a Bearer JWT labels the header `jwt`, an
X-Forwarded-For chain of IPv4s is `ipv4`, cookies are labelled by cookie name, path parameters
as `{paramN}`; `entries[].response_records` counts the response records carrying sensitive values
(list items of a list endpoint; 1 for a single object; 0 for errors) and `response_values` the
sensitive values per type in the response body and headers.

All values are generated; none belongs to a real person, card, company or account.
Standard library only; deterministic for a given --seed and --entries.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import json
import os
import random
import string
import uuid
import sys
from collections import OrderedDict, defaultdict
from urllib.parse import quote, urlencode

TYPES = ["cn_resident_id", "cn_mobile", "cn_landline", "bank_card", "cn_uscc", "cn_passport",
         "cn_hk_macau_permit", "cn_taiwan_permit", "cn_military_id", "cn_license_plate",
         "cn_medical_record", "cn_address", "cn_name", "email", "phone", "us_ssn", "iban",
         "passport", "ipv4", "ipv6", "mac_address", "imei", "jwt", "secret_key", "password",
         "person_name", "date_of_birth", "icd10_code", "geo_coordinates"]

# ------------------------------------------------------------------------------------------
# Static data

ID_REGIONS = ["110101", "110105", "110108", "120103", "130102", "140105", "150102", "210102",
              "220104", "230103", "310104", "310115", "320102", "320583", "330106", "330203",
              "340104", "350203", "360102", "370202", "410105", "420111", "430104", "440106",
              "440305", "450103", "460106", "500105", "510107", "520102", "530102", "610113",
              "620102", "650104", "640104", "540102"]
MOBILE_SEGMENTS = ([str(x) for x in range(130, 140)] + ["145", "147", "149"] +
                   [str(x) for x in range(150, 154)] + [str(x) for x in range(155, 160)] +
                   ["162", "165", "166", "167", "170", "171", "172", "173", "175", "176", "177",
                    "178"] + [str(x) for x in range(180, 190)] +
                   ["190", "191", "192", "193", "195", "196", "197", "198", "199"])
AREA_CODES = {"010": 8, "020": 8, "021": 8, "022": 8, "023": 8, "024": 8, "025": 8, "027": 8,
              "028": 8, "029": 8, "0571": 8, "0755": 8, "0731": 8, "0512": 8, "0591": 8,
              "0871": 7, "0351": 7, "0431": 8, "0898": 8, "0991": 7, "0851": 8, "0532": 8}
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "慕容", "令狐", "司徒", "公孙"]
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强玉兰海燕晨曦子涵梓萱浩然一诺欣怡宇轩思远雨桐佳琪俊杰文博嘉怡天佑若曦")
MINORITY_NAMES = ["阿依古丽·买买提", "买买提·艾力", "扎西·多吉", "热依拉·阿不都", "古丽娜尔·吐尔逊",
                  "艾尼瓦尔·吾守尔", "巴特尔·额尔敦", "卓玛·次仁", "迪丽娜扎·艾山"]
PLACES = [("北京市", "北京市", ["朝阳区", "海淀区", "丰台区", "西城区"]),
          ("上海市", "上海市", ["浦东新区", "徐汇区", "闵行区", "静安区"]),
          ("广东省", "广州市", ["天河区", "越秀区", "番禺区"]),
          ("广东省", "深圳市", ["南山区", "福田区", "龙岗区"]),
          ("浙江省", "杭州市", ["西湖区", "余杭区", "滨江区"]),
          ("江苏省", "南京市", ["鼓楼区", "江宁区", "玄武区"]),
          ("四川省", "成都市", ["武侯区", "锦江区", "高新区"]),
          ("湖北省", "武汉市", ["洪山区", "江汉区", "武昌区"]),
          ("陕西省", "西安市", ["雁塔区", "碑林区"]),
          ("山东省", "青岛市", ["市南区", "崂山区"]),
          ("福建省", "厦门市", ["思明区", "湖里区"]),
          ("新疆维吾尔自治区", "乌鲁木齐市", ["天山区", "沙依巴克区"])]
ROADS = ["人民路", "解放大道", "中山北路", "建设路", "学府路", "科技园南路", "长江西路", "和平街",
         "文化路", "滨江东路", "金融街", "望京东路", "南京西路", "五一大道", "光谷大道"]
ESTATES = ["阳光花园", "翠湖苑", "幸福里小区", "锦绣家园", "金地名都", "万科城", "碧桂园"]
PROVINCE_ABBR = list("京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼")
PLATE_LETTERS = [c for c in string.ascii_uppercase if c not in "IO"]
MIL_PREFIX = ["南", "北", "沈", "兰", "成", "济", "广", "海", "空", "参", "政", "后", "装", "武"]
INTL_NAMES = {
    "en": (["James", "Olivia", "William", "Charlotte", "Henry", "Amelia", "Jack", "Harper",
            "Ethan", "Grace"], ["Thompson", "Walker", "Robinson", "Clarke", "Hughes", "Bennett",
                                "Foster", "Parker"]),
    "de": (["Lukas", "Hannah", "Felix", "Lena", "Jonas", "Marie"],
           ["Becker", "Hoffmann", "Schäfer", "Koch", "Richter", "Wolf"]),
    "fr": (["Louis", "Chloé", "Hugo", "Camille", "Théo", "Inès"],
           ["Dubois", "Lefèvre", "Moreau", "Girard", "Roux", "Fournier"]),
    "es": (["Mateo", "Lucía", "Santiago", "Valentina", "Diego", "Sofía"],
           ["García", "Fernández", "López", "Martínez", "Sánchez", "Pérez"]),
    "jp": (["Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina"],
           ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Yamamoto"]),
    "kr": (["Min-jun", "Seo-yeon", "Ji-ho", "Ha-eun", "Do-yun"],
           ["Kim", "Park", "Choi", "Jung", "Kang"]),
    "in": (["Aarav", "Ananya", "Vihaan", "Diya", "Arjun", "Isha"],
           ["Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair"]),
    "ar": (["Omar", "Layla", "Yusuf", "Fatima", "Khalid", "Noor"],
           ["Al-Farsi", "Haddad", "Mansour", "Nasser", "Saleh"]),
    "ru": (["Dmitri", "Anastasia", "Ivan", "Ekaterina", "Alexei"],
           ["Ivanov", "Smirnova", "Kuznetsov", "Popova", "Volkov"]),
    "vn": (["Minh", "Linh", "Tuan", "Huong", "Duc"], ["Nguyen", "Tran", "Le", "Pham", "Hoang"]),
    "br": (["João", "Ana", "Pedro", "Beatriz", "Gabriel"],
           ["Silva", "Santos", "Oliveira", "Souza", "Costa"]),
}
EMAIL_DOMAINS = ["qq.com", "163.com", "126.com", "sina.com", "foxmail.com", "139.com",
                 "aliyun.com", "gmail.com", "outlook.com", "hotmail.co.uk", "yahoo.co.jp",
                 "naver.com", "mail.ru", "protonmail.com", "orange.fr", "web.de",
                 "corp.hexin-telecom.cn", "anxin-ins.com.cn", "example-univ.edu.cn", "proton.me"]
ICD10 = ["J18.9", "E11.9", "I10", "K35.8", "C34.1", "S72.0", "N18.5", "F32.9", "M54.5",
         "O80", "A09", "R51", "J45.909", "K29.7"]
ICD10_CN = ["J18.900", "E11.900x001", "I10.x00x002", "K35.800x001", "C34.100", "S72.000",
            "N18.500", "I63.900", "J44.100", "K80.200x001"]
COMPANIES = ["深圳市腾云科技有限公司", "杭州百川物流有限公司", "上海华信保险经纪有限公司",
             "北京智联数据服务有限公司", "成都锦程建设工程有限公司", "Acme Trading Ltd"]
HOSPITALS = ["市第一人民医院", "中医院", "妇幼保健院", "仁济医院", "协和医院"]
UAS = ["Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
       "Mozilla/5.0 (Linux; Android 14; 23013RK75C Build/UKQ1.230804.001) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.6261.119 Mobile Safari/537.36",
       "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
       "okhttp/4.12.0", "HexinApp/9.3.0.1102 (Android 13; HUAWEI NOH-AN00)"]
US_AREA = ["212", "415", "646", "312", "617", "206", "305", "512", "303", "404"]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
B62 = string.ascii_letters + string.digits


# ------------------------------------------------------------------------------------------
# Checksums


def luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(num: str) -> bool:
    return luhn_digit(num[:-1]) == num[-1]


def id_check(body17: str) -> str:
    w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * x for c, x in zip(body17, w)) % 11]


def orgcode_check(body8: str) -> str:
    w = [3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(c, 36) * x for c, x in zip(body8, w))
    c = 11 - s % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def uscc_check(body17: str) -> str:
    w = [pow(3, i, 31) for i in range(17)]
    s = sum(USCC_ALPHABET.index(c) * x for c, x in zip(body17, w))
    return USCC_ALPHABET[(31 - s % 31) % 31]


def iban_check(country: str, bban: str) -> str:
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return "%02d" % (98 - int(digits) % 97)


# ------------------------------------------------------------------------------------------
# Value generators


class Values:
    """One method per type / hard-negative kind / plain kind; all draw from one Random."""

    def __init__(self, rnd: random.Random):
        self.r = rnd

    # helpers
    def digits(self, n, first_nonzero=False):
        s = "".join(self.r.choice(string.digits) for _ in range(n))
        if first_nonzero and s[0] == "0":
            s = self.r.choice("123456789") + s[1:]
        return s

    def alnum(self, n, alphabet=string.ascii_uppercase + string.digits):
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def hexs(self, n):
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def b64url(self, raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def birth(self, lo=1940, hi=2012):
        return dt.date(self.r.randint(lo, hi), self.r.randint(1, 12), self.r.randint(1, 28))

    def pick(self, seq):
        return self.r.choice(seq)

    # --- types -------------------------------------------------------------------------
    def cn_resident_id(self):
        region, b = self.pick(ID_REGIONS), self.birth()
        if self.r.random() < 0.08:  # legacy 15-digit form (born before 2000)
            b = self.birth(1940, 1985)
            return region + b.strftime("%y%m%d") + self.digits(3)
        body = region + b.strftime("%Y%m%d") + self.digits(3)
        cid = body + id_check(body)
        return cid.lower() if cid.endswith("X") and self.r.random() < 0.3 else cid

    def mobile_digits(self):
        return self.pick(MOBILE_SEGMENTS) + self.digits(8)

    def cn_mobile(self, fmt=None):
        m = self.mobile_digits()
        fmt = fmt if fmt is not None else self.r.choices(range(5), [60, 12, 12, 10, 6])[0]
        return [m, f"+86 {m[:3]} {m[3:7]} {m[7:]}", f"{m[:3]}-{m[3:7]}-{m[7:]}", "+86" + m,
                "86-" + m][fmt]

    def cn_landline(self):
        area = self.pick(list(AREA_CODES))
        local = self.digits(AREA_CODES[area], True)
        if local[0] in "01":
            local = "6" + local[1:]
        k = self.r.random()
        if k < 0.5:
            return f"{area}-{local}"
        if k < 0.7:
            return f"({area}){local}"
        if k < 0.85:
            return f"{area}-{local}-{self.digits(self.r.randint(2, 4))}"
        return f"{area} {local[:4]} {local[4:]}"

    def bank_card(self, brand=None):
        brand = brand or self.r.choices(["up16", "up19", "up17", "visa", "mc", "mc2", "amex", "jcb"],
                                        [25, 25, 5, 12, 10, 6, 10, 7])[0]
        prefix, length = {
            "up16": (self.pick(["622202", "622848", "621700", "623058", "625965"]), 16),
            "up17": ("6217" + self.digits(2), 17),
            "up19": (self.pick(["622202", "621226", "621483", "623668", "621799"]), 19),
            "visa": ("4" + self.digits(5), 16),
            "mc": (str(self.r.randint(51, 55)) + self.digits(4), 16),
            "mc2": (str(self.r.randint(2221, 2720)) + self.digits(2), 16),
            "amex": (self.pick(["34", "37"]) + self.digits(4), 15),
            "jcb": (str(self.r.randint(3528, 3589)) + self.digits(2), 16),
        }[brand]
        body = prefix + self.digits(length - len(prefix) - 1)
        num = body + luhn_digit(body)
        if self.r.random() < 0.12 and length == 16:
            num = " ".join(num[i:i + 4] for i in range(0, 16, 4))
        return num

    def cn_uscc(self):
        alph = USCC_ALPHABET
        dept = self.r.choices(["9", "1", "5", "Y", "3"], [70, 10, 10, 5, 5])[0]
        cat = {"9": self.pick("123"), "1": self.pick("123"), "5": self.pick("123"),
               "Y": "1", "3": self.pick("12")}[dept]
        org8 = "".join(self.pick(alph) for _ in range(8))
        body = dept + cat + self.pick(ID_REGIONS) + org8 + orgcode_check(org8)
        return body + uscc_check(body)

    def cn_passport(self):
        k = self.r.random()
        if k < 0.6:
            return "E" + self.digits(8)
        if k < 0.8:
            return "G" + self.digits(8)
        return "E" + self.pick([c for c in PLATE_LETTERS]) + self.digits(7)

    def cn_hk_macau_permit(self):
        k = self.r.random()
        if k < 0.5:
            return "C" + self.pick(PLATE_LETTERS + list(string.digits)) + self.digits(7)
        return self.pick("HM") + self.digits(8)

    def cn_taiwan_permit(self):
        return "L" + self.digits(8) if self.r.random() < 0.6 else self.digits(8)

    def cn_military_id(self):
        return f"{self.pick(MIL_PREFIX)}字第{self.digits(self.r.choice([6, 7, 8]))}号"

    def cn_license_plate(self):
        p, l = self.pick(PROVINCE_ABBR), self.pick(PLATE_LETTERS)
        k = self.r.random()
        if k < 0.3:  # small new-energy
            return p + l + self.pick("DF") + self.alnum(1, "".join(PLATE_LETTERS) + string.digits) + self.digits(4)
        if k < 0.4:  # large new-energy
            return p + l + self.digits(5) + self.pick("DF")
        chars = [self.pick(string.digits) for _ in range(5)]
        for i in self.r.sample(range(5), self.r.randint(0, 2)):
            chars[i] = self.pick(PLATE_LETTERS)
        return p + l + "".join(chars)

    def cn_medical_record(self):
        k = self.r.randint(0, 4)
        return [f"ZY{self.r.randint(2015, 2024)}{self.digits(6)}", "MZ" + self.digits(10),
                self.digits(10, True), f"BA-{self.digits(7)}", "J" + self.digits(9)][k]

    def cn_address(self):
        prov, city, dists = self.pick(PLACES)
        head = (city if prov == city else prov + city) + self.pick(dists)
        tail = f"{self.pick(ROADS)}{self.r.randint(1, 999)}号"
        if self.r.random() < 0.5:
            tail += f"{self.pick(ESTATES)}{self.r.randint(1, 30)}栋{self.r.randint(1, 4)}单元{self.r.randint(1, 33)}0{self.r.randint(1, 4)}室"
        return tail if self.r.random() < 0.15 else head + tail

    def cn_name(self):
        k = self.r.random()
        if k < 0.06:
            return self.pick(MINORITY_NAMES)
        sur = self.pick(COMPOUND_SURNAMES) if k < 0.12 else self.pick(SURNAMES)
        return sur + "".join(self.pick(GIVEN) for _ in range(self.r.choice([1, 2, 2])))

    def email(self):
        g, f = self.intl_parts()
        local = self.r.choice([f"{g}.{f}", f"{g}{f}{self.r.randint(1, 99)}", f"{g[0]}{f}",
                               f"{g}_{self.r.randint(1970, 2005)}", self.digits(9, True),
                               f"{f}+shop"])
        local = "".join(c for c in local.lower() if c.isascii() and (c.isalnum() or c in "._+-"))
        return f"{local or 'user'}@{self.pick(EMAIL_DOMAINS)}"

    def phone(self):
        c = self.pick(["us", "uk", "de", "fr", "jp", "hk", "sg", "au", "in", "kr", "tw"])
        n = {
            "us": ("+1", self.pick(US_AREA) + str(self.r.randint(2, 9)) + self.digits(6)),
            "uk": ("+44", "7" + self.pick("4579") + self.digits(8)),
            "de": ("+49", "1" + self.pick(["51", "52", "60", "70", "76"]) + self.digits(8)),
            "fr": ("+33", self.pick("67") + self.digits(8)),
            "jp": ("+81", self.pick(["90", "80", "70"]) + self.digits(8)),
            "hk": ("+852", self.pick("569") + self.digits(7)),
            "sg": ("+65", self.pick("89") + self.digits(7)),
            "au": ("+61", "4" + self.digits(8)),
            "in": ("+91", self.pick("789") + self.digits(9)),
            "kr": ("+82", "10" + self.digits(8)),
            "tw": ("+886", "9" + self.digits(8)),
        }[c]
        cc, nat = n
        k = self.r.random()
        if k < 0.5:
            return cc + nat
        if c == "us" and k < 0.8:
            return f"({nat[:3]}) {nat[3:6]}-{nat[6:]}"
        return f"{cc} {nat[:3]} {nat[3:6]} {nat[6:]}".strip()

    def us_ssn(self):
        area = self.r.choice([x for x in range(1, 900) if x != 666])
        s = f"{area:03d}-{self.r.randint(1, 99):02d}-{self.r.randint(1, 9999):04d}"
        return s.replace("-", "") if self.r.random() < 0.2 else s

    def iban(self):
        c = self.pick(["DE", "GB", "FR", "ES", "IT", "NL", "CH", "BE", "AT", "PL"])
        up = string.ascii_uppercase
        bban = {
            "DE": lambda: self.digits(18), "GB": lambda: self.alnum(4, up) + self.digits(14),
            "FR": lambda: self.digits(10) + self.alnum(11) + self.digits(2),
            "ES": lambda: self.digits(20), "NL": lambda: self.alnum(4, up) + self.digits(10),
            "IT": lambda: self.alnum(1, up) + self.digits(10) + self.alnum(12),
            "CH": lambda: self.digits(5) + self.alnum(12), "BE": lambda: self.digits(12),
            "AT": lambda: self.digits(16), "PL": lambda: self.digits(24),
        }[c]()
        iban = c + iban_check(c, bban) + bban
        if self.r.random() < 0.3:
            iban = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
        return iban

    def passport(self):
        k = self.r.randint(0, 7)
        return [self.digits(9, True), self.digits(9, True),
                "C" + self.alnum(8, "CFGHJKLMNPRTVWXYZ0123456789"),
                self.digits(2) + self.alnum(2, string.ascii_uppercase) + self.digits(5),
                self.alnum(2, string.ascii_uppercase) + self.digits(7),
                self.alnum(1, string.ascii_uppercase) + self.digits(7), "M" + self.digits(8),
                self.alnum(2, string.ascii_uppercase) + self.digits(6)][k]

    def ipv4(self):
        while True:
            a = self.r.randint(1, 223)
            if a in (10, 127, 100, 169, 172, 192, 198, 203, 0):
                continue
            return f"{a}.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}"

    def ipv6(self):
        groups = [self.pick(["240e", "2408", "2409", "2001", "2a02", "2600", "2401"])] + \
                 [format(self.r.randint(0, 0xffff), "x") for _ in range(7)]
        if self.r.random() < 0.5:
            i = self.r.randint(2, 5)
            return ":".join(groups[:i]) + "::" + ":".join(groups[i + 2:])
        return ":".join(groups)

    def mac_address(self):
        b = [self.r.randint(0, 255) for _ in range(6)]
        b[0] &= 0xFC
        h = "".join(f"{x:02x}" for x in b)
        k = self.r.randint(0, 2)
        if k == 0:
            return ":".join(h[i:i + 2] for i in range(0, 12, 2)).upper()
        if k == 1:
            return "-".join(h[i:i + 2] for i in range(0, 12, 2)).upper()
        return ".".join(h[i:i + 4] for i in range(0, 12, 4))

    def imei(self):
        body = self.pick(["35", "86", "01", "99"]) + self.digits(12)
        return body + luhn_digit(body)

    def jwt(self):
        alg = self.pick(["HS256", "RS256", "ES256"])
        head = self.b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
        iat = self.r.randint(1714000000, 1718000000)
        payload = {"sub": self.digits(7, True), "iat": iat, "exp": iat + 7200,
                   "iss": self.pick(["https://sso.example-gov.cn", "hexin-auth", "peoplecore"])}
        body = self.b64url(json.dumps(payload, separators=(",", ":")).encode())
        sig = self.b64url(self.r.randbytes(32 if alg == "HS256" else 64))
        return f"{head}.{body}.{sig}"

    def secret_key(self, kind=None):
        kind = kind or self.pick(["aws_id", "aws_secret", "github", "stripe", "slack", "pem",
                                  "generic"])
        return {
            "aws_id": lambda: self.pick(["AKIA", "ASIA"]) + self.alnum(16, string.ascii_uppercase + "234567"),
            "aws_secret": lambda: self.alnum(40, B62 + "+/"),
            "github": lambda: self.pick(["ghp_", "gho_", "ghs_"]) + self.alnum(36, B62),
            "stripe": lambda: self.pick(["sk_live_", "rk_live_", "sk_test_"]) + self.alnum(24 + self.r.randint(0, 40), B62),
            "slack": lambda: f"xoxb-{self.digits(11, True)}-{self.digits(12, True)}-{self.alnum(24, B62)}",
            "pem": self.pem_private,
            "generic": lambda: self.hexs(32 if self.r.random() < 0.5 else 64),
        }[kind]()

    def pem_private(self):
        label = self.pick(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"])
        raw = base64.b64encode(self.r.randbytes(self.r.choice([120, 240, 600]))).decode()
        lines = "\n".join(raw[i:i + 64] for i in range(0, len(raw), 64))
        return f"-----BEGIN {label}-----\n{lines}\n-----END {label}-----"

    def password(self):
        k = self.r.randint(0, 4)
        return [self.digits(6), "Abc@" + self.digits(4), self.alnum(10, B62 + "!@#$%^&*"),
                self.pick(["qwerty123", "Passw0rd!", "zaq1@WSX", "1qaz2wsx", "Hx#2024spring"]),
                self.alnum(self.r.randint(8, 16), string.ascii_lowercase + string.digits)][k]

    def intl_parts(self):
        g, f = INTL_NAMES[self.pick(list(INTL_NAMES))]
        return self.pick(g), self.pick(f)

    def person_name(self):
        g, f = self.intl_parts()
        return f"{g} {f}" if self.r.random() < 0.8 else f"{f}, {g}"

    def given_name(self):
        return self.intl_parts()[0]

    def family_name(self):
        return self.intl_parts()[1]

    def date_of_birth(self):
        b = self.birth()
        return b.strftime(self.pick(["%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y",
                                     "%d.%m.%Y", f"{b.year}年{b.month}月{b.day}日",
                                     "%Y-%m-%dT00:00:00Z"]))

    def icd10_code(self):
        return self.pick(ICD10_CN) if self.r.random() < 0.4 else self.pick(ICD10)

    def lat(self):
        return round(self.r.uniform(18.2, 45.5), 6)

    def lng(self):
        return round(self.r.uniform(75.0, 134.0), 6)

    def geo_coordinates(self):  # "lat,lng" string
        return f"{self.lat()},{self.lng()}"

    def geo_array(self):  # [lng, lat] (GeoJSON order)
        return [self.lng(), self.lat()]

    # --- free text ----------------------------------------------------------------------
    def text_with(self, typ):
        v = {"cn_mobile": lambda: self.cn_mobile(self.r.choice([0, 0, 2])),
             "phone": self.phone, "email": self.email, "cn_resident_id": self.cn_resident_id,
             "cn_landline": self.cn_landline}[typ]()
        zh = ["客户来电反映理赔进度慢，请回拨{v}。", "已电话联系车主，联系方式：{v}，约定明日查勘。",
              "家属要求短信通知到{v}", "请将电子发票发送至{v}，谢谢", "申请人身份证号{v}，材料齐全。"]
        en = ["Customer asked for a call back on {v} before 6pm.",
              "Please send the invoice to {v} instead.", "Driver unreachable, tried {v} twice.",
              "Contact me at {v} if the parcel is delayed."]
        pool = zh + en if typ != "cn_resident_id" else [zh[4], "ID provided: {v}, verified at counter."]
        return self.pick(pool).format(v=v)

    def plain_text(self):
        return self.pick(["请尽快处理", "已审核通过", "资料不全，待补充", "Left at front door",
                          "Handled by night shift", "无", "", "客户满意", "Refund approved"])

    # --- hard negatives -----------------------------------------------------------------
    def hn(self, kind):
        r = self.r
        if kind == "amount_digits":
            return self.digits(r.choice([6, 7]), True)
        if kind == "base64_blob":
            return base64.b64encode(r.randbytes(r.randint(90, 300))).decode()
        if kind == "business_no":
            return self.pick(["LP", "BA", "SQ", "JF", "HT"]) + "2024" + self.digits(10)
        if kind == "date_nondob":
            d = dt.date(2024, r.randint(1, 12), r.randint(1, 28))
            return d.strftime(self.pick(["%Y-%m-%d", "%Y%m%d", "%Y/%m/%d"]))
        if kind == "decimal_nongeo":
            return round(r.uniform(18.0, 130.0), r.choice([4, 5, 6]))
        if kind == "ean13":
            body = "69" + self.digits(10)
            s = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
            return body + str((10 - s % 10) % 10)
        if kind == "isbn":
            body = "978" + self.pick("17") + self.digits(8)
            s = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(body))
            return body + str((10 - s % 10) % 10)
        if kind in ("hash", "build_hash"):
            return self.hexs(self.pick([32, 40, 64])) if kind == "hash" else self.hexs(self.pick([7, 8, 12, 40]))
        if kind == "trace_id":
            return f"00-{self.hexs(32)}-{self.hexs(16)}-01"
        if kind == "id18_bad_checksum":
            body = self.pick(ID_REGIONS) + self.birth().strftime("%Y%m%d") + self.digits(3)
            good = id_check(body)
            return body + self.pick([c for c in "0123456789X" if c != good])
        if kind == "invalid_mobile_prefix":
            return self.pick(["100", "101", "104", "106", "110", "111", "112", "120", "122", "123"]) + self.digits(8)
        if kind == "luhn_fail_16":
            body = self.pick(["4", "5", "62"]) + self.digits(14)
            body = body[:15]
            return body + str((int(luhn_digit(body)) + r.randint(1, 9)) % 10)
        if kind == "luhn_order_no":
            body = "2024" + self.digits(r.choice([11, 13, 14]))
            return body + luhn_digit(body)
        if kind == "masked_card":
            c = self.bank_card("up16").replace(" ", "")
            return c[:6] + "*" * (len(c) - 10) + c[-4:] if r.random() < 0.5 else "**** **** **** " + c[-4:]
        if kind == "masked_email":
            e = self.email()
            return e[0] + "***@" + e.split("@")[1]
        if kind == "masked_id":
            i = self.cn_resident_id()
            return i[:3] + "*" * (len(i) - 7) + i[-4:] if r.random() < 0.5 else i[:6] + "********" + i[-4:]
        if kind == "masked_mobile":
            m = self.mobile_digits()
            return m[:3] + "****" + m[7:]
        if kind == "masked_name":
            return self.pick(SURNAMES) + self.pick(["*", "**", "某"])
        if kind == "masked_ssn":
            return self.digits(4) if r.random() < 0.5 else "***-**-" + self.digits(4)
        if kind == "merchant_no":
            return "8" + self.digits(14)
        if kind == "order_id":
            return dt.datetime(2024, r.randint(1, 6), r.randint(1, 28)).strftime("%Y%m%d") + self.digits(10)
        if kind == "invoice_no":
            return self.pick(["0", "1", "2"]) + self.digits(11) if r.random() < 0.5 else "24" + self.digits(18)
        if kind == "pem_public":
            raw = base64.b64encode(r.randbytes(162)).decode()
            return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(raw[i:i + 64] for i in range(0, len(raw), 64)) + "\n-----END PUBLIC KEY-----"
        if kind == "sku":
            return self.pick([f"SKU-{self.alnum(3, string.ascii_uppercase)}-{self.digits(5)}",
                              f"E{self.digits(8)}", f"G{self.digits(8)}", f"HX{self.digits(6)}-{self.pick(['S', 'M', 'XL'])}"])
        if kind == "snowflake_id":
            return str(r.randint(1_700_000_000_000_000_000, 1_899_999_999_999_999_999))
        if kind == "timestamp_ms":
            return str(r.randint(1714000000000, 1718000000000))
        if kind == "tracking_number":
            return self.pick([f"SF{self.digits(12)}", f"YT{self.digits(13)}", self.digits(12, True),
                              f"JD{self.digits(13)}", f"1Z{self.alnum(16)}"])
        if kind == "user_agent":
            return self.pick(UAS)
        if kind == "uuid":
            return str(uuid.UUID(int=r.getrandbits(128), version=4))
        if kind == "version":
            return self.pick([f"{r.randint(1, 12)}.{r.randint(0, 30)}.{r.randint(0, 99)}",
                              f"v{r.randint(1, 5)}.{r.randint(0, 20)}.{r.randint(0, 9)}-rc{r.randint(1, 4)}",
                              f"{r.randint(1, 3)}.{r.randint(0, 9)}.{r.randint(0, 9)}.{r.randint(100, 9999)}"])
        if kind == "postcode":
            return self.pick(["100", "200", "310", "518", "430", "610", "710"]) + self.digits(3)
        if kind == "iban_bad_checksum":
            iban = self.iban().replace(" ", "")
            cd = int(iban[2:4])
            return iban[:2] + "%02d" % ((cd + self.r.randint(1, 50)) % 97 + 2) + iban[4:]
        raise KeyError(kind)

    # --- plain (unlabelled) -------------------------------------------------------------
    def plain(self, kind):
        r = self.r
        if kind == "status":
            return self.pick(["PENDING", "APPROVED", "REJECTED", "CLOSED", "active", "done"])
        if kind == "amount":
            return round(r.uniform(1, 50000), 2)
        if kind == "int":
            return r.randint(0, 500)
        if kind == "bool":
            return r.random() < 0.5
        if kind == "company":
            return self.pick(COMPANIES)
        if kind == "hospital":
            return self.pick(PLACES)[1] + self.pick(HOSPITALS)
        if kind == "text":
            return self.plain_text()
        if kind == "gender":
            return self.pick(["M", "F", "男", "女", "1", "2"])
        if kind == "country":
            return self.pick(["CN", "US", "GB", "DE", "FR", "JP", "HK", "SG"])
        if kind == "currency":
            return self.pick(["CNY", "USD", "EUR", "GBP"])
        if kind == "datetime":
            return f"2024-0{r.randint(1, 6)}-{r.randint(10, 28)} {r.randint(10, 23)}:{r.randint(10, 59)}:00"
        if kind == "code":
            return self.pick(["0000", "200", "OK", "SUCCESS"])
        if kind == "plan":
            return self.pick(["5G畅享套餐129元", "Unlimited 58", "流量包10GB", "家庭融合套餐"])
        if kind == "dept":
            return self.pick(["财务部", "Engineering", "HR", "客服中心", "Sales EMEA"])
        if kind == "smallint":
            return str(r.randint(1, 99))
        if kind == "lang":
            return self.pick(["zh_CN", "en_US", "zh-CN"])
        if kind == "relation":
            return self.pick(["本人", "配偶", "子女", "父母"])
        raise KeyError(kind)


# ------------------------------------------------------------------------------------------
# Field specs
#
# F(name, kind, p)  scalar field; kind is a type id, "hn:<kind>", "p:<plain kind>",
#                   "text:<type>" (sentence with a value of that type inside, 60% of calls; else
#                   a plain sentence), "mix:t1|t2" (one of the types per value), "geoarr"
#                   ([lng, lat] array: location name[]), "list:<type>" (array of scalars),
#                   "bearer" (Bearer JWT), "xff" (X-Forwarded-For chain), "given"/"family"
#                   (person_name parts), "lat"/"lng" (numbers), "latstr"/"lngstr" (strings)
# O(name, fields, p)             nested object
# L(name, fields, lo, hi, p, records=False)   array of objects ("" = top-level array)


class F:
    def __init__(self, name, kind, p=1.0):
        self.name, self.kind, self.p = name, kind, p


class O:
    def __init__(self, name, fields, p=1.0):
        self.name, self.fields, self.p = name, fields, p


class L:
    def __init__(self, name, fields, lo=1, hi=5, p=1.0, records=False):
        self.name, self.fields, self.lo, self.hi, self.p, self.records = name, fields, lo, hi, p, records


class Endpoint:
    def __init__(self, method, path, params=(), query=(), headers=(), cookies=(), body=None,
                 form=None, resp=(), resp_headers=(), weight=1.0, list_endpoint=False):
        self.method, self.path, self.params = method, path, list(params)
        self.query, self.headers, self.cookies = list(query), list(headers), list(cookies)
        self.body, self.form, self.resp, self.resp_headers = body, form, resp, list(resp_headers)
        self.weight, self.list_endpoint = weight, list_endpoint
        self.service = None


class Service:
    def __init__(self, name, host, headers, cookies, endpoints, error_body, ua):
        self.name, self.host, self.headers, self.cookies = name, host, headers, cookies
        self.endpoints, self.error_body, self.ua = endpoints, error_body, ua
        for e in endpoints:
            e.service = self


def wrap(key, payload, extra=()):
    """Response envelope {code, msg, <key>: payload} as a field list."""
    fields = [F("code", "p:code"), F("msg", "p:text")] + list(extra)
    if isinstance(payload, L):
        payload.name = key
        return fields + [payload]
    return fields + [O(key, payload)]


def services():
    S = []
    # 1. insurance claims: pinyin + camelCase, Bearer JWT, W3C traceparent ----------------
    ins_h = [F("Authorization", "bearer"), F("traceparent", "hn:trace_id"),
             F("X-App-Version", "hn:version")]
    S.append(Service("Anxin claims API", "claims.anxin-ins.com.cn", ins_h, [F("lang", "p:lang")], [
        Endpoint("POST", "/claims/v1/auth/sms-login", form=[F("sjhm", "cn_mobile"), F("yzm", "p:smallint"),
                 F("mm", "password", 0.7), F("deviceId", "hn:uuid")],
                 resp=wrap("data", [F("accessToken", "jwt"), F("expiresIn", "p:int"),
                                    F("userNm", "cn_name"), F("lastLoginIp", "ipv4")]),
                 resp_headers=[F("X-Refresh-Token", "jwt")], weight=1.4),
        Endpoint("POST", "/claims/v1/reports", body=[
                     F("bxrXm", "cn_name"), F("bxrSfzh", "cn_resident_id"), F("lxdh", "mix:cn_mobile|cn_landline"),
                     F("cph", "cn_license_plate"), F("sgdd", "cn_address"),
                     O("sgzb", [F("wd", "lat"), F("jd", "lng")]), F("sgms", "text:cn_mobile"),
                     F("bdh", "hn:business_no"), F("reportTime", "hn:timestamp_ms")],
                 resp=wrap("data", [F("bah", "hn:business_no"), F("status", "p:status")]), weight=1.5),
        Endpoint("GET", "/claims/v1/reports/{param1}", params=["hn:business_no"],
                 resp=wrap("data", [F("bah", "hn:business_no"), F("bxrXm", "cn_name"),
                                    F("lxdh", "cn_mobile"), F("cph", "cn_license_plate"),
                                    F("ckyXm", "cn_name"), F("ckyDh", "cn_mobile"),
                                    F("fileMd5", "hn:hash"), F("createdAt", "hn:timestamp_ms")])),
        Endpoint("GET", "/claims/v1/policies", query=[F("zjhm", "cn_resident_id"), F("page", "p:smallint")],
                 resp=wrap("data", L("", [F("bdh", "hn:business_no"), F("tbrXm", "cn_name"),
                                          F("zjlx", "p:smallint"),
                                          F("zjhm", "mix:cn_resident_id|cn_passport|cn_hk_macau_permit|cn_taiwan_permit"),
                                          F("yhkh", "bank_card"), F("bf", "p:amount"),
                                          F("syr", "cn_name", 0.6), F("sxrq", "hn:date_nondob")],
                                   3, 40, records=True)), list_endpoint=True, weight=1.3),
        Endpoint("GET", "/claims/v1/claims/{param1}/medical", params=["hn:business_no"],
                 resp=wrap("data", [F("zyh", "cn_medical_record"), F("yymc", "p:hospital"),
                                    F("yydz", "cn_address"), F("ysXm", "cn_name"),
                                    L("zdxx", [F("zdbm", "icd10_code"), F("zdmc", "p:text")], 1, 4),
                                    F("ryrq", "hn:date_nondob"), F("bmi", "hn:decimal_nongeo")])),
        Endpoint("POST", "/claims/v1/payouts/form", form=[F("skrxm", "cn_name"), F("skzh", "bank_card"),
                 F("khh", "p:company"), F("je", "p:amount"), F("zfmm", "password")],
                 resp=wrap("data", [F("lsh", "hn:luhn_order_no"), F("status", "p:status")])),
        Endpoint("GET", "/claims/v1/surveyors", query=[F("city", "p:lang")],
                 resp=wrap("data", L("", [F("xm", "cn_name"), F("dh", "mix:cn_mobile|cn_landline"),
                                          F("pos", "geoarr"), F("deviceImei", "imei"),
                                          F("gh", "hn:amount_digits")], 5, 30, records=True)),
                 list_endpoint=True),
        Endpoint("POST", "/claims/v1/vehicle/inspect", body=[F("cph", "cn_license_plate"),
                 F("czXm", "cn_name"), F("czSfzh", "cn_resident_id"), F("vin", "hn:sku"),
                 F("photos", "list:hn:base64_blob")],
                 resp=wrap("data", [F("inspectId", "hn:uuid"), F("score", "hn:decimal_nongeo")])),
        Endpoint("GET", "/claims/v1/invoices", query=[F("bah", "hn:business_no")],
                 resp=wrap("data", L("", [F("fphm", "hn:invoice_no"), F("fpdm", "hn:invoice_no"),
                                          F("je", "p:amount"), F("kprq", "hn:date_nondob"),
                                          F("xfmc", "p:company"), F("xfsh", "cn_uscc")], 1, 8, records=True)),
                 list_endpoint=True),
        Endpoint("GET", "/claims/v1/attachments/{param1}", params=["hn:hash"],
                 resp=wrap("data", [F("content", "hn:base64_blob"), F("sha1", "hn:hash"),
                                    F("uploader", "cn_name")]), weight=0.6),
    ], {"code": "E500", "msg": "系统繁忙"}, "AnxinClaims/3.2.1 (Android 13)"))

    # 2. telecom self-service: PascalCase JSON, kebab headers, MSISDN header ----------------
    tel_h = [F("X-Msisdn", "cn_mobile"), F("X-Device-Imei", "imei"), F("X-Client-Ip", "mix:ipv4|ipv6"),
             F("X-Request-Id", "hn:uuid")]
    tel_c = [F("hx_token", "jwt"), F("JSESSIONID", "hn:hash")]
    S.append(Service("Hexin Mobile self-service", "self.hexin-telecom.cn", tel_h, tel_c, [
        Endpoint("GET", "/selfservice/api/Account/Profile",
                 resp=[F("ResultCode", "p:code"), O("Data", [F("CustName", "cn_name"),
                       F("IdCardNo", "cn_resident_id"), F("MobileNo", "cn_mobile"),
                       F("Email", "email", 0.7), F("InstallAddress", "cn_address"),
                       F("BirthDate", "date_of_birth"), F("PlanName", "p:plan"),
                       F("MemberLevel", "p:smallint"), F("CustId", "hn:snowflake_id"),
                       F("LoyaltyNo", "hn:invalid_mobile_prefix"),
                       F("RecoveryEmail", "hn:masked_email")])], weight=1.6),
        Endpoint("GET", "/selfservice/api/Bills", query=[F("Month", "p:smallint")],
                 resp=[F("ResultCode", "p:code"), O("Data", [F("Total", "p:amount"),
                       L("CallRecords", [F("CalledNo", "mix:cn_mobile|cn_landline|phone"),
                                         F("Duration", "p:int"), F("StartTime", "hn:timestamp_ms"),
                                         F("CellLat", "lat"), F("CellLng", "lng"),
                                         F("Fee", "hn:decimal_nongeo")], 10, 80, records=True)])],
                 list_endpoint=True, weight=1.3),
        Endpoint("POST", "/selfservice/api/SimCard/Replace", body=[F("IdCardNo", "cn_resident_id"),
                 F("CustName", "cn_name"), F("DeliveryAddress", "cn_address"),
                 F("ContactPhone", "cn_mobile"), F("OrderNo", "hn:luhn_order_no")],
                 resp=[F("ResultCode", "p:code"), F("OrderId", "hn:order_id"),
                       F("TrackingNo", "hn:tracking_number")]),
        Endpoint("GET", "/selfservice/api/Devices",
                 resp=[F("ResultCode", "p:code"), L("Data", [F("Imei", "imei"), F("MacAddress", "mac_address"),
                       F("Ipv6Address", "ipv6"), F("BtMac", "mac_address", 0.5), F("Model", "p:plan"), F("Firmware", "hn:version")],
                       1, 6, records=False)]),
        Endpoint("GET", "/selfservice/api/Numbers/{param1}/Owner", params=["cn_mobile"],
                 resp=[F("ResultCode", "p:code"), O("Data", [F("OwnerName", "hn:masked_name"),
                       F("IdCardMasked", "hn:masked_id"), F("Mobile", "hn:masked_mobile")])], weight=1.2),
        Endpoint("GET", "/selfservice/api/Packages",
                 resp=[F("ResultCode", "p:code"), L("Data", [F("Sku", "hn:sku"), F("Price", "hn:decimal_nongeo"),
                       F("Version", "hn:version"), F("Name", "p:plan"), F("Ean", "hn:ean13")], 5, 20)]),
        Endpoint("POST", "/selfservice/api/RealName/Verify", body=[F("CertType", "p:smallint"),
                 F("CertNo", "mix:cn_resident_id|cn_hk_macau_permit|cn_taiwan_permit|cn_military_id|cn_passport"),
                 F("CustName", "cn_name"), F("FaceImage", "hn:base64_blob")],
                 resp=[F("ResultCode", "p:code"), F("Passed", "p:bool"), F("VerifyId", "hn:uuid")], weight=1.5),
        Endpoint("GET", "/selfservice/api/Stores/Nearby", query=[F("Location", "geo_coordinates")],
                 resp=[F("ResultCode", "p:code"), L("Data", [F("StoreName", "p:company"),
                       F("Address", "cn_address"), F("Tel", "cn_landline"), F("Manager", "cn_name"),
                       F("Coord", "geo_coordinates"), F("Postcode", "hn:postcode")], 3, 15, records=True)],
                 list_endpoint=True),
        Endpoint("GET", "/selfservice/api/Roaming/Records",
                 resp=[F("ResultCode", "p:code"), L("Data", [F("Country", "p:country"),
                       F("Peer", "phone"), F("Minutes", "p:int"), F("Network", "p:plan")], 2, 25, records=True)],
                 list_endpoint=True),
        Endpoint("POST", "/selfservice/api/Feedback", body=[F("Content", "text:cn_mobile"),
                 F("Category", "p:status"), F("Attach", "hn:base64_blob", 0.3)],
                 resp=[F("ResultCode", "p:code"), F("TicketNo", "hn:business_no")], weight=0.8),
    ], {"ResultCode": "9999", "ResultMsg": "Internal error"}, "HexinApp/9.3.0.1102 (Android 13; HUAWEI NOH-AN00)"))

    # 3. e-commerce / logistics open API: snake_case, abbreviations, API key header --------
    ec_h = [F("X-Api-Key", "secret_key"), F("X-Forwarded-For", "xff"), F("User-Agent", "hn:user_agent")]
    party = [F("custNm", "cn_name"), F("ph_no", "cn_mobile"), F("addr1", "cn_address"),
             F("zip", "hn:postcode")]
    S.append(Service("ShopLink logistics open API", "open.shoplink-express.com", ec_h, [], [
        Endpoint("POST", "/open/v2/waybills", body=[O("sender", party), O("receiver", party),
                 L("items", [F("sku", "hn:sku"), F("qty", "p:int"), F("isbn", "hn:isbn", 0.3)], 1, 4),
                 F("order_no", "hn:luhn_order_no"), F("remark", "text:cn_mobile")],
                 resp=[F("ok", "p:bool"), F("waybill_no", "hn:tracking_number"),
                       F("created_ts", "hn:timestamp_ms")], weight=1.6),
        Endpoint("GET", "/open/v2/waybills/{param1}/track", params=["hn:tracking_number"],
                 resp=[F("ok", "p:bool"), L("events", [F("time", "p:datetime"), F("desc", "text:cn_mobile"),
                       F("courier_nm", "cn_name"), F("courier_ph", "cn_mobile"),
                       F("lng", "lngstr"), F("lat", "latstr")], 2, 10, records=False)], weight=1.4),
        Endpoint("GET", "/open/v2/orders", query=[F("buyer_email", "email", 0.5), F("page", "p:smallint")],
                 resp=[F("total", "p:int"), L("rows", [F("order_no", "hn:luhn_order_no"),
                       F("buyer_email", "email"), F("buyer_mobile", "hn:masked_mobile"),
                       F("ean", "hn:ean13"), F("isbn", "hn:isbn", 0.4), F("amt", "p:amount"),
                       F("inv_no", "hn:invoice_no"), F("gift_card", "hn:luhn_fail_16", 0.5)],
                       5, 60, records=True)], list_endpoint=True),
        Endpoint("POST", "/open/v2/payments/card", body=[F("card_no", "bank_card"), F("holder", "person_name"),
                 F("exp", "p:smallint"), F("amount", "p:amount"), F("currency", "p:currency")],
                 resp=[F("ok", "p:bool"), F("payment_id", "hn:uuid"), F("card_masked", "hn:masked_card")]),
        Endpoint("GET", "/open/v2/merchants/{param1}", params=["hn:merchant_no"],
                 resp=[F("merchant_no", "hn:merchant_no"), F("legal_nm", "cn_name"),
                       F("credit_code", "cn_uscc"), F("settle_cards", "list:bank_card"),
                       F("contact_email", "email"), F("office_addr", "cn_address"),
                       F("office_tel", "cn_landline"), F("lic_hash", "hn:hash")]),
        Endpoint("POST", "/open/v2/webhooks/test", body=[F("url", "p:text"),
                 F("signing_secret", "secret_key"), F("slack_token", "secret_key", 0.5)],
                 resp=[F("ok", "p:bool"), F("delivery_id", "hn:uuid")], weight=0.7),
        Endpoint("GET", "/open/v2/api-keys",
                 resp=[L("keys", [F("key_id", "hn:uuid"), F("token", "secret_key"),
                       F("created", "hn:date_nondob"), F("last_ip", "ipv4")], 1, 6)]),
        Endpoint("GET", "/open/v2/returns", query=[F("since", "hn:date_nondob")],
                 resp=[L("", [F("rma", "hn:business_no"), F("customer", "person_name"),
                       F("tel", "phone"), F("refund_iban", "iban"), F("passport_no", "passport", 0.3), F("bad_iban", "hn:iban_bad_checksum", 0.3),
                       F("email", "email")], 2, 30, records=True)], list_endpoint=True),
        Endpoint("GET", "/open/v2/riders", query=[F("station", "p:smallint")],
                 resp=[L("data", [F("rider_nm", "cn_name"), F("rider_ph", "cn_mobile"),
                       F("plate", "cn_license_plate"), F("coordinates", "geoarr"),
                       F("imei", "imei"), F("batch", "hn:build_hash")], 3, 25, records=True)],
                 list_endpoint=True),
        Endpoint("POST", "/open/v2/labels/print", body=[F("content", "mix:cn_mobile|email"),
                 F("v1", "cn_address"), F("v2", "p:text"), F("template", "hn:version")],
                 resp=[F("ok", "p:bool"), F("pdf", "hn:base64_blob")], weight=0.8),
    ], {"ok": False, "error": {"code": "internal", "message": "upstream timeout"}}, "shoplink-sdk-java/2.4.1"))

    # 4. government / social-security portal: pinyin abbreviations, session cookie --------
    gov_h = [F("X-Token", "jwt"), F("X-Real-IP", "ipv4"), F("X-Timestamp", "hn:timestamp_ms"),
             F("X-Sign", "hn:hash")]
    gov_c = [F("SESSION", "hn:uuid"), F("sfzh", "cn_resident_id")]
    S.append(Service("Municipal social-security portal", "ggfw.rsj.example-gov.cn", gov_h, gov_c, [
        Endpoint("POST", "/ggfw/api/auth/login", form=[F("zjhm", "cn_resident_id"), F("mm", "password"),
                 F("yzm", "p:smallint")],
                 resp=[F("code", "p:code"), O("data", [F("token", "jwt"), F("xm", "cn_name"),
                       F("sjhm", "hn:masked_mobile")])], weight=1.5),
        Endpoint("GET", "/ggfw/api/sbk/info",
                 resp=[F("code", "p:code"), O("data", [F("xm", "cn_name"), F("sfzh", "cn_resident_id"),
                       F("sbkh", "cn_resident_id"), F("yhkh", "bank_card"), F("lxdh", "cn_mobile"),
                       F("dz", "cn_address"), F("csrq", "date_of_birth"), F("xb", "p:gender"),
                       F("kpzt", "p:status"), F("jlh", "hn:invalid_mobile_prefix")])], weight=1.4),
        Endpoint("GET", "/ggfw/api/jfjl", query=[F("nd", "p:smallint")],
                 resp=[F("code", "p:code"), O("data", [F("xm", "cn_name"), L("list", [
                       F("jfny", "hn:date_nondob"), F("jfje", "p:amount"), F("dwmc", "p:company"),
                       F("tyshxydm", "cn_uscc"), F("pzh", "hn:business_no")], 6, 36)])], weight=1.2),
        Endpoint("GET", "/ggfw/api/yljs/{param1}", params=["cn_medical_record"],
                 resp=[F("code", "p:code"), O("data", [F("bah", "cn_medical_record"), F("xm", "cn_name"),
                       L("zd", [F("zdbm", "icd10_code"), F("zdmc", "p:text")], 1, 3),
                       F("yymc", "p:hospital"), F("yydz", "cn_address"), F("jsrq", "hn:date_nondob"),
                       F("tc", "hn:decimal_nongeo")])]),
        Endpoint("POST", "/ggfw/api/hjqy", body=[F("sqrxm", "cn_name"), F("sqrsfzh", "cn_resident_id"),
                 F("csrq", "date_of_birth"), F("yhzgx", "p:relation"), F("qcd", "cn_address"),
                 F("qrd", "cn_address"), F("lxdh", "cn_mobile"), F("dabh", "hn:id18_bad_checksum")],
                 resp=[F("code", "p:code"), O("data", [F("slh", "hn:business_no")])]),
        Endpoint("GET", "/ggfw/api/zzfw/query", query=[F("sfzh", "cn_resident_id"), F("xm", "cn_name")],
                 resp=[F("code", "p:code"), O("data", [F("zt", "p:status"), F("yxq", "hn:date_nondob"),
                       F("zzbh", "hn:id18_bad_checksum")])], weight=1.3),
        Endpoint("GET", "/ggfw/api/notices",
                 resp=[F("code", "p:code"), L("data", [F("wh", "hn:business_no"), F("fbrq", "hn:date_nondob"),
                       F("bt", "p:text"), F("ydl", "hn:amount_digits")], 5, 20)], weight=0.8),
        Endpoint("POST", "/ggfw/api/jyzm", body=[F("ext1", "email"), F("ext2", "cn_mobile"),
                 F("v1", "cn_resident_id"), F("desc", "text:cn_resident_id"), F("value", "mix:ipv4|email")],
                 resp=[F("code", "p:code"), O("data", [F("zmbh", "hn:business_no"),
                       F("pdf", "hn:base64_blob")])]),
        Endpoint("GET", "/ggfw/api/jzxx/{param1}/hzxx", params=["cn_resident_id"],
                 resp=[F("code", "p:code"), O("data", [F("hzhm", "cn_passport"), F("gatxz", "cn_hk_macau_permit"),
                       F("twtxz", "cn_taiwan_permit"), F("jgzh", "cn_military_id", 0.4),
                       F("clhm", "cn_license_plate", 0.6)])]),
        Endpoint("GET", "/ggfw/api/fwdt", query=[F("jd", "lngstr"), F("wd", "latstr")],
                 resp=[F("code", "p:code"), L("data", [F("mc", "p:company"), F("dz", "cn_address"),
                       F("dh", "cn_landline"), F("jd", "lng"), F("wd", "lat")], 3, 12, records=True)],
                 list_endpoint=True),
    ], {"code": "500", "msg": "服务异常，请稍后再试"}, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) MicroMessenger/8.0.47"))

    # 5. HR / payroll: abbreviated English, international -----------------------------------
    hr_h = [F("Authorization", "bearer"), F("X-Tenant", "p:smallint"), F("X-Correlation-Id", "hn:uuid")]
    hr_c = [F("pc_sid", "jwt"), F("pc_csrf", "hn:hash")]
    emp = [F("empId", "hn:uuid"), F("empNm", "person_name"), F("dob", "date_of_birth"),
           F("ssn_last4", "hn:masked_ssn"), F("workEmail", "email"), F("dept", "p:dept")]
    S.append(Service("PeopleCore HR / payroll", "api.peoplecore-hr.io", hr_h, hr_c, [
        Endpoint("GET", "/hr/v1/employees", query=[F("dept", "p:dept"), F("page", "p:smallint")],
                 resp=[F("count", "p:int"), L("items", emp, 5, 80, records=True)], list_endpoint=True,
                 weight=1.3),
        Endpoint("GET", "/hr/v1/employees/{param1}", params=["hn:uuid"],
                 resp=[F("empId", "hn:uuid"), O("name", [F("given", "given"), F("family", "family")]),
                       F("dob", "date_of_birth"), F("ssnFull", "us_ssn", 0.5), F("passportNo", "passport"),
                       F("homeAddr", "cn_address", 0.5), F("mobile", "phone"),
                       O("emergencyContact", [F("nm", "person_name"), F("tel", "mix:phone|cn_mobile")]),
                       F("hiredOn", "hn:date_nondob")], weight=1.6),
        Endpoint("PUT", "/hr/v1/employees/{param1}/bank", params=["hn:uuid"],
                 body=[F("iban", "iban"), F("bic", "p:currency"), F("holder", "person_name"),
                       F("cardNo", "bank_card", 0.4)],
                 resp=[F("updated", "p:bool"), F("cardMasked", "hn:masked_card")]),
        Endpoint("POST", "/hr/v1/payroll/runs", body=[F("period", "hn:date_nondob"), L("lines", [
                 F("empId", "hn:uuid"), F("net", "p:amount"), F("acct", "iban")], 2, 15)],
                 resp=[F("runId", "hn:snowflake_id"), F("status", "p:status")]),
        Endpoint("GET", "/hr/v1/payslips/{param1}", params=["hn:snowflake_id"],
                 resp=[F("content", "hn:base64_blob"), F("gross", "p:amount"), F("empNm", "person_name")]),
        Endpoint("POST", "/hr/v1/onboarding", body=[F("fullNm", "mix:cn_name|person_name"),
                 F("sfzh", "cn_resident_id", 0.6), F("passport", "mix:passport|cn_passport"),
                 F("ssn", "us_ssn", 0.4), F("personalEmail", "email"), F("ph_no", "mix:cn_mobile|phone"), F("birth_dt", "date_of_birth"),
                 F("addr", "cn_address"), F("photo", "hn:base64_blob", 0.5),
                 L("extra", [F("k", "p:text"), F("v", "mix:email|cn_mobile|ipv4")], 1, 3)],
                 resp=[F("caseId", "hn:uuid")], weight=1.2),
        Endpoint("GET", "/hr/v1/audit/logins", query=[F("from", "hn:date_nondob")],
                 resp=[L("", [F("user", "email"), F("src", "mix:ipv4|ipv6"), F("ua", "hn:user_agent"),
                       F("at", "hn:timestamp_ms"), F("dev_mac", "mac_address"), F("build", "hn:build_hash")],
                       10, 60, records=True)], list_endpoint=True),
        Endpoint("POST", "/hr/v1/integrations/sso", body=[F("clientId", "hn:uuid"),
                 F("clientSecret", "secret_key"), F("signingKey", "secret_key"),
                 F("publicCert", "hn:pem_public")],
                 resp=[F("ok", "p:bool"), F("kid", "hn:hash")], weight=0.6),
        Endpoint("GET", "/hr/v1/health/checkups", query=[F("year", "p:smallint")],
                 resp=[L("results", [F("empNm", "person_name"), F("mrn", "cn_medical_record"),
                       F("icd", "icd10_code"), F("bmi", "hn:decimal_nongeo"),
                       F("clinicAddr", "cn_address")], 2, 30, records=True)], list_endpoint=True),
        Endpoint("POST", "/hr/v1/auth/password", body=[F("old_pw", "password"), F("new_pw", "password"),
                 F("otp", "p:smallint")], resp=[F("ok", "p:bool")], weight=0.8),
        Endpoint("GET", "/hr/v1/config", resp=[F("minClient", "hn:version"), F("build", "hn:build_hash"),
                 F("jwks", "hn:pem_public"), O("attrs", [F("k", "p:text"), F("val", "p:text")])], weight=0.5),
    ], {"error": "internal_error", "error_description": "retry later"}, "PeopleCoreWeb/2024.5 (+https://peoplecore-hr.io)"))
    return S


# ------------------------------------------------------------------------------------------
# Generation


class Recorder:
    def __init__(self):
        self.labels = OrderedDict()  # (method, path, in, field, type) -> [occurrences, example]
        self.hard = OrderedDict()    # (method, path, in, field) -> [kind, occurrences, example]

    def label(self, ep, where, field, typ, value):
        k = (ep.method, ep.path, where, field, typ)
        if k not in self.labels:
            self.labels[k] = [0, value]
        self.labels[k][0] += 1

    def hardneg(self, ep, where, field, kind, value):
        k = (ep.method, ep.path, where, field)
        if k not in self.hard:
            self.hard[k] = [kind, 0, value]
        self.hard[k][1] += 1


class Generator:
    def __init__(self, seed):
        self.r = random.Random(seed)
        self.v = Values(self.r)
        self.rec = Recorder()

    # one scalar -> (value, type or None, hard-negative kind or None)
    def scalar(self, kind):
        v = self.v
        if kind.startswith("hn:"):
            return v.hn(kind[3:]), None, kind[3:]
        if kind.startswith("p:"):
            return v.plain(kind[2:]), None, None
        if kind.startswith("mix:"):
            return self.scalar(self.r.choice(kind[4:].split("|")))
        if kind.startswith("text:"):
            typ = kind[5:]
            if self.r.random() < 0.6:
                return v.text_with(typ), typ, None
            return v.plain_text(), None, None
        special = {"bearer": lambda: ("Bearer " + v.jwt(), "jwt"),
                   "xff": lambda: (", ".join(v.ipv4() for _ in range(self.r.randint(1, 3))), "ipv4"),
                   "given": lambda: (v.given_name(), "person_name"),
                   "family": lambda: (v.family_name(), "person_name"),
                   "lat": lambda: (v.lat(), "geo_coordinates"),
                   "lng": lambda: (v.lng(), "geo_coordinates"),
                   "latstr": lambda: (str(v.lat()), "geo_coordinates"),
                   "lngstr": lambda: (str(v.lng()), "geo_coordinates")}
        if kind in special:
            val, typ = special[kind]()
            return val, typ, None
        if kind in TYPES:
            return getattr(v, kind)(), kind, None
        raise KeyError(kind)

    def emit(self, ep, where, field, kind, out):
        """Generate the value of one scalar location, record it, return the JSON value."""
        if kind == "geoarr":
            val = self.v.geo_array()
            for x in val:
                out.append(("geo_coordinates", x))
            self.rec.label(ep, where, field + "[]", "geo_coordinates", json.dumps(val))
            return val
        if kind.startswith("list:"):
            vals = []
            for _ in range(self.r.randint(1, 3)):
                val, typ, hn = self.scalar(kind[5:])
                self.note(ep, where, field + "[]", val, typ, hn, out)
                vals.append(val)
            return vals
        val, typ, hn = self.scalar(kind)
        self.note(ep, where, field, val, typ, hn, out)
        return val

    def note(self, ep, where, field, val, typ, hn, out):
        if typ:
            self.rec.label(ep, where, field, typ, val if isinstance(val, str) else json.dumps(val))
            out.append((typ, val))
        elif hn:
            self.rec.hardneg(ep, where, field, hn, val if isinstance(val, str) else json.dumps(val))

    def build(self, ep, where, fields, prefix, out, counter):
        obj = OrderedDict()
        for f in fields:
            if f.p < 1.0 and self.r.random() >= f.p:
                continue
            path = f"{prefix}.{f.name}" if prefix else f.name
            if isinstance(f, O):
                obj[f.name] = self.build(ep, where, f.fields, path, out, counter)
            elif isinstance(f, L):
                obj[f.name] = self.build_list(ep, where, f, path, out, counter)
            else:
                obj[f.name] = self.emit(ep, where, path, f.kind, out)
        return obj

    def build_list(self, ep, where, lst, path, out, counter):
        items = []
        n = self.r.randint(lst.lo, lst.hi)
        for _ in range(n):
            item_out = []
            items.append(self.build(ep, where, lst.fields, path + "[]", item_out, counter))
            if lst.records and item_out:
                counter[0] += 1
            out.extend(item_out)
        return items

    def body(self, ep, where, spec, out, counter):
        if len(spec) == 1 and isinstance(spec[0], L) and spec[0].name == "":
            return self.build_list(ep, where, spec[0], "", out, counter)
        return self.build(ep, where, spec, "", out, counter)

    def flat(self, ep, where, fields, lower=False, out=None):
        pairs = []
        for f in fields:
            if f.p < 1.0 and self.r.random() >= f.p:
                continue
            name = f.name.lower() if lower else f.name
            val = self.emit(ep, where, name, f.kind, out if out is not None else [])
            pairs.append((f.name, val if isinstance(val, str) else json.dumps(val)))
        return pairs

    def entry(self, ep, when, error):
        svc = self.ep_service(ep)
        segs, pi = [], 0
        for seg in ep.path.split("/"):
            if seg.startswith("{param"):
                kind = ep.params[pi]
                val, typ, hn = self.scalar(kind)
                self.note(ep, "request.path", seg, val, typ, hn, [])
                segs.append(quote(str(val), safe=""))
                pi += 1
            else:
                segs.append(seg)
        query = self.flat(ep, "request.query", ep.query)
        url = f"https://{svc.host}" + "/".join(segs) + (("?" + urlencode(query)) if query else "")
        headers = [("Host", svc.host)]
        if not any(f.name.lower() == "user-agent" for f in svc.headers):
            headers.append(("User-Agent", svc.ua))
        headers.append(("Accept", "application/json"))
        headers += self.flat(ep, "request.header", [f for f in svc.headers + ep.headers
                                                     if self.r.random() < 0.97], lower=True)
        cookies = self.flat(ep, "request.cookie", [f for f in svc.cookies + ep.cookies
                                                   if self.r.random() < 0.8])
        post = None
        if ep.form is not None:
            text = urlencode(self.flat(ep, "request.body", ep.form))
            post = {"mimeType": "application/x-www-form-urlencoded", "params": [], "text": text}
        elif ep.body is not None:
            doc = self.body(ep, "request.body", ep.body, [], [0])
            text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
            post = {"mimeType": "application/json;charset=UTF-8", "text": text}
        if post:
            headers.append(("Content-Type", post["mimeType"]))
            headers.append(("Content-Length", str(len(post["text"].encode()))))
        if cookies:
            headers.append(("Cookie", "; ".join(f"{k}={v}" for k, v in cookies)))
        out, counter = [], [0]
        if error:
            status = self.r.choice([400, 401, 429, 500, 502, 503])
            rdoc = svc.error_body
            rh = []
        else:
            status = 201 if ep.method == "POST" and self.r.random() < 0.3 else 200
            rdoc = self.body(ep, "response.body", ep.resp, out, counter)
            rh = self.flat(ep, "response.header", ep.resp_headers, lower=True, out=out)
        rtext = json.dumps(rdoc, ensure_ascii=False, separators=(",", ":"))
        resp_headers = [("Date", when.strftime("%a, %d %b %Y %H:%M:%S GMT")),
                        ("Content-Type", "application/json;charset=UTF-8"),
                        ("Content-Length", str(len(rtext.encode())))] + rh
        values = defaultdict(int)
        for typ, _ in out:
            values[typ] += 1
        if error:
            records = 0
        elif ep.list_endpoint and any(isinstance(x, L) and x.records for x in self.walk(ep.resp)):
            records = counter[0]
        else:
            records = 1 if out else 0
        took = round(self.r.uniform(5, 400), 3)
        har = {
            "startedDateTime": when.isoformat(timespec="milliseconds") + "+08:00",
            "time": took,
            "request": {"method": ep.method, "url": url, "httpVersion": "HTTP/1.1",
                        "cookies": [{"name": k, "value": v} for k, v in cookies],
                        "headers": [{"name": k, "value": v} for k, v in headers],
                        "queryString": [{"name": k, "value": v} for k, v in query],
                        "headersSize": -1, "bodySize": len(post["text"].encode()) if post else 0},
            "response": {"status": status, "statusText": "", "httpVersion": "HTTP/1.1",
                         "cookies": [], "headers": [{"name": k, "value": v} for k, v in resp_headers],
                         "content": {"size": len(rtext.encode()), "mimeType": "application/json;charset=UTF-8",
                                     "text": rtext},
                         "redirectURL": "", "headersSize": -1, "bodySize": len(rtext.encode())},
            "cache": {},
            "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 0.2,
                        "wait": round(took - 0.7, 3), "receive": 0.5},
        }
        if post:
            har["request"]["postData"] = post
        meta = {"method": ep.method, "path": ep.path, "status": status,
                "response_records": records, "response_values": dict(sorted(values.items()))}
        return har, meta

    @staticmethod
    def walk(fields):
        for f in fields:
            yield f
            if isinstance(f, (O, L)):
                yield from Generator.walk(f.fields)

    @staticmethod
    def ep_service(ep):
        return ep.service

    def run(self, n_entries, corpus_name, seed):
        svcs = services()
        eps = [e for s in svcs for e in s.endpoints]
        # skewed call counts: weight x lognormal factor; every endpoint at least 6 calls
        w = [e.weight * self.r.lognormvariate(0, 0.45) for e in eps]
        total = sum(w)
        counts = [max(6, round(n_entries * x / total)) for x in w]
        while sum(counts) > n_entries:
            i = max(range(len(counts)), key=lambda j: counts[j])
            counts[i] -= 1
        while sum(counts) < n_entries:
            counts[self.r.randrange(len(counts))] += 1
        order = [i for i, c in enumerate(counts) for _ in range(c)]
        self.r.shuffle(order)
        seen = defaultdict(int)
        when = dt.datetime(2024, 6, 3, 9, 0, 0)
        entries, metas = [], []
        for idx, i in enumerate(order):
            ep = eps[i]
            seen[i] += 1
            error = seen[i] > 3 and self.r.random() < 0.025
            when += dt.timedelta(milliseconds=self.r.randint(200, 6000))
            har, meta = self.entry(ep, when, error)
            entries.append(har)
            metas.append({"index": idx, **meta})
        labels = [{"method": m, "path": p, "in": w_, "field": f, "type": t, "occurrences": occ,
                   "example": ex} for (m, p, w_, f, t), (occ, ex) in self.rec.labels.items()]
        labels.sort(key=lambda x: (x["path"], x["method"], x["in"], x["field"], x["type"]))
        hard = [{"method": m, "path": p, "in": w_, "field": f, "kind": kind, "occurrences": occ,
                 "example": ex} for (m, p, w_, f), (kind, occ, ex) in self.rec.hard.items()]
        hard.sort(key=lambda x: (x["path"], x["method"], x["in"], x["field"]))
        ep_rows = []
        for e, c in zip(eps, counts):
            ep_rows.append({"method": e.method, "path": e.path, "host": e.service.host,
                            "service": e.service.name, "calls": c,
                            "labels": sum(1 for x in labels if (x["method"], x["path"]) == (e.method, e.path)),
                            "hard_negatives": sum(1 for x in hard if (x["method"], x["path"]) == (e.method, e.path))})
        per_type = {t: sum(1 for x in labels if x["type"] == t) for t in TYPES}
        per_kind = defaultdict(int)
        for x in hard:
            per_kind[x["kind"]] += 1
        truth = {
            "meta": {"generator": "lampyr bench/gen_pii.py", "version": 1, "corpus": corpus_name,
                     "seed": seed, "entries": len(entries), "endpoints": len(ep_rows),
                     "labels": len(labels), "hard_negatives": len(hard),
                     "labels_per_type": per_type, "hard_negatives_per_kind": dict(sorted(per_kind.items()))},
            "types": TYPES, "endpoints": ep_rows, "labels": labels, "hard_negatives": hard,
            "entries": metas,
        }
        har = {"log": {"version": "1.2", "creator": {"name": "lampyr-gen-pii", "version": "1"},
                       "entries": entries}}
        return har, truth


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output folder (traffic.har + truth.json)")
    ap.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    ap.add_argument("--entries", type=int, default=1500, help="HAR entries (default 1500)")
    ap.add_argument("--name", default=None, help="corpus name in truth.meta (default pii-holdout-s<seed>)")
    args = ap.parse_args(argv)
    if args.entries < 400:
        ap.error("--entries must be at least 400 (every endpoint gets at least 6 calls)")
    gen = Generator(args.seed)
    har, truth = gen.run(args.entries, args.name or f"pii-holdout-s{args.seed}", args.seed)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "traffic.har"), "w", encoding="utf-8") as fh:
        json.dump(har, fh, ensure_ascii=False)
    with open(os.path.join(args.out, "truth.json"), "w", encoding="utf-8") as fh:
        json.dump(truth, fh, ensure_ascii=False, indent=1)
    m = truth["meta"]
    size = os.path.getsize(os.path.join(args.out, "traffic.har"))
    print(f"{args.out}: {m['entries']} entries ({size / 1e6:.1f} MB), {m['endpoints']} endpoints, "
          f"{m['labels']} labels, {m['hard_negatives']} hard negatives", file=sys.stderr)
    missing = [t for t, n in m["labels_per_type"].items() if n == 0]
    if missing:
        print(f"warning: types without labels: {', '.join(missing)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
