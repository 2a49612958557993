"""A seeded generator of merchant portfolios in ccare's CSV format (see the README's "Portfolios").

Merchants run products of the shipped map, named the way people type them: by id, by
Chinese or by English name, with ``;`` or ``|`` between.  The mix leans the way a real
portfolio does: most merchants take payment, few run Qipan Miyun; small merchants
outnumber large ones.  The same arguments write the same bytes.

    python bench/portfolio_csv.py 20000 --seed 1 -o portfolio-20k.csv
"""

from __future__ import annotations

import argparse
import random
import sys
from typing import TextIO

#: Products of the shipped map: id, zh name, en name, share of merchants running it.
PRODUCTS = (
    ("payment", "支付", "payment", 0.75),
    ("mini-program", "小程序", "mini-program", 0.55),
    ("fan-group", "商家粉丝群", "merchant fan group", 0.35),
    ("coupons", "优惠券", "coupons", 0.35),
    ("member-operation", "会员运营", "member operation", 0.2),
    ("life-account", "生活号", "life account", 0.2),
    ("alipay-live", "支付宝直播", "Alipay Live", 0.12),
    ("zhima-credit", "芝麻信用", "Zhima Credit", 0.12),
    ("mini-program-cloud", "小程序云", "Mini-Program Cloud", 0.08),
    ("qipan-miyun", "棋盘密云", "Qipan Miyun", 0.06),
    ("iot-devices", "IOT智能设备", "IoT smart devices", 0.05),
    ("ant-forest", "蚂蚁森林", "Ant Forest", 0.04),
)

INDUSTRIES = ("餐饮", "零售", "catering", "retail", "出行", "教育", "医疗健康", "生活缴费", "休闲娱乐", "政务")
SCALES = (("small", 0.6), ("medium", 0.3), ("large", 0.1))
STAGES = (("exploring", 0.7), ("mature", 0.25), ("", 0.05))
HEADER = "merchant_id,name,industry,scale,stage,products\n"


def _pick(rng: random.Random, weighted) -> str:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def write_portfolio(out: TextIO, merchants: int, seed: int = 0) -> int:
    """Write a portfolio of ``merchants`` rows to ``out``; return the rows written."""
    rng = random.Random(seed)
    out.write(HEADER)
    for i in range(1, merchants + 1):
        used = [p for p in PRODUCTS if rng.random() < p[3]] or [rng.choice(PRODUCTS)]
        names = [p[rng.choice((0, 1, 2))] for p in used]
        sep = rng.choice((";", ";", "|"))
        cell = sep.join(names)
        if "," in cell:
            cell = f'"{cell}"'
        out.write(f"FX2-{i:06d},商家{i},{rng.choice(INDUSTRIES)},{_pick(rng, SCALES)},{_pick(rng, STAGES)},{cell}\n")
    return merchants


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("merchants", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args(argv)
    if a.output == "-":
        write_portfolio(sys.stdout, a.merchants, a.seed)
    else:
        with open(a.output, "w", encoding="utf-8", newline="") as f:
            write_portfolio(f, a.merchants, a.seed)


if __name__ == "__main__":
    main()
