"""The practitioner's review (MAP-REVIEW.md), asked the way a service provider asks it.

Each test is a question a strategist puts to ccare through the CLI, and asserts the
answer a service provider would sign: payment is the baseline, never an addition; a
loop lives without Qipan Miyun; customers never ride data; the source's own case,
Laoxiangji, closes; Mini-Program Cloud brings EFFICIENCY; a small merchant sees where
the Fanxing Plan helps.
"""

from __future__ import annotations

import pytest

from ccare.kb.model import NEED_CODES

LAOXIANGJI = "fan-group,multi-channel-joining,joining-gift,coupons,member-operation"


def _ids(entities):
    return [e["id"] for e in entities]


def _loop(p):
    return _ids(p["loop"]["nodes"])


def _supporting(w):
    return [a["offering"] for a in w["supporting"]]


# -- payment is the baseline ----------------------------------------------------------

@pytest.mark.parametrize("has", ["mini-program", "fan-group", "alipay-live", "zhima-credit", "life-account",
                                 "qipan-miyun", LAOXIANGJI])
@pytest.mark.parametrize("needs", ["SCALE,ACTIVE,WORTH,EFFICIENCY", "SCALE,WORTH", "ACTIVE"])
def test_payment_is_never_prescribed(ccare, has, needs):
    found = ccare.json("prescribe", "--has", has, "--needs", needs, "--limit", "10")
    assert found, "every merchant here can close a loop"
    for p in found:
        assert "payment" not in _ids(p["add"])
        assert _ids(p["baseline"]) == ["payment"]
        assert "payment" in _loop(p)


def test_a_merchant_without_alipay_payment_is_told_to_add_it(ccare):
    (p,) = ccare.json("prescribe", "--has", "mini-program,mini-program-cloud", "--no-alipay-payment")
    assert _ids(p["add"]) == ["payment"]
    r = ccare("prescribe", "--has", "mini-program,mini-program-cloud", "--no-alipay-payment")
    assert "which this merchant does not take yet" in r.output


def test_payment_is_the_hub_not_an_other_product(ccare):
    others = _ids(ccare.json("products", "--type", "other"))
    assert "payment" not in others and {"life-account", "ant-forest", "iot-devices"} <= set(others)
    shown = ccare.json("show", "payment")
    assert shown["type"].endswith("#PaymentHub")


def test_gaps_count_payment_as_present(ccare):
    d = ccare.json("gaps", "--has", "fan-group")
    assert "payment" in _ids(d["has"])
    assert "payment" not in _ids(d["add"] or [])


# -- Qipan Miyun is optional, and data never carries customers ----------------------------

def test_a_loop_exists_without_qipan_miyun(ccare):
    loops = ccare.json("loops", "--without", "qipan-miyun", "--limit", "100")
    assert loops
    assert all("qipan-miyun" not in _ids(w["nodes"]) for w in loops)
    # and the best loop overall does not need it either
    assert "qipan-miyun" not in _ids(ccare.json("loops", "--limit", "1")[0]["nodes"])


def test_qipan_miyun_receives_data_and_sends_audiences_to_placements(G):
    assert G.has_edge("payment", "qipan-miyun", key="dataFlowsTo")
    assert G.has_edge("ad-placement", "qipan-miyun", key="dataFlowsTo")  # 让每一次投放都有资产沉淀 (L28)
    assert not G.has_edge("qipan-miyun", "zhima-credit")
    assert not G.has_edge("qipan-miyun", "alipay-live")
    out = {v for _, v, k in G.out_edges("qipan-miyun", keys=True) if k == "dataFlowsTo"}
    assert out == {"ad-placement", "search-promotion"}
    assert "efficient" not in G.nodes["qipan-miyun"]["values"]


def test_no_customer_rides_a_data_flow(ccare, G):
    loops = ccare.json("loops", "--limit", "1000", "--needs", "SCALE")
    assert loops
    for w in loops:
        assert any(s["moves"] == "users" for s in w["steps"])
        for s in w["steps"]:
            if s["moves"] == "data":
                assert "reach" in G.nodes[s["to"]]["roles"], s


def test_path_from_payment_into_the_private_domain_is_one_user_step(ccare, G):
    for target in ("fan-group", "life-account", "mini-program"):
        (p,) = ccare.json("path", "payment", target, "--k", "0")
        assert [(s["from"], s["to"], s["moves"]) for s in p["steps"]] == [("payment", target, "users")]
        assert "private-domain" in G.nodes[target]["domains"]
    # no route walks a data edge unless asked
    for p in ccare.json("path", "payment", "alipay-live", "--k", "5"):
        assert all(s["relation"] == "userFlowsTo" for s in p["steps"])


# -- the source's own case closes ---------------------------------------------------------

def test_the_laoxiangji_combination_closes(ccare):
    """Group joining online and offline, a joining gift, group-exclusive coupons and member
    operation (L42): a closed loop for what that combination serves."""
    found = ccare.json("prescribe", "--has", LAOXIANGJI, "--needs", "SCALE,ACTIVE,WORTH")
    assert len(found) == 1 and found[0]["add"] == []
    assert _loop(found[0]) == ["payment", "fan-group"]
    # the public side of the loop is the case's own joining channels
    assert "multi-channel-joining" in _supporting(found[0]["loop"])
    r = ccare("prescribe", "--has", LAOXIANGJI, "--needs", "SCALE,ACTIVE,WORTH")
    assert r.exit_code == 0 and r.output.startswith("Nothing to add")


def test_the_laoxiangji_case_as_the_map_records_it(ccare):
    case = ccare.json("show", "laoxiangji")
    used = {r["entity"]["id"] for r in case["out"] if r["relation"] == "cc:uses"}
    assert {"fan-group", "coupons", "member-operation", "joining-gift", "multi-channel-joining"} <= used


def test_coupons_are_handed_out_not_walked_into(ccare, G):
    assert G.nodes["coupons"]["type"] == "cc:Instrument"
    assert not any(k in ("userFlowsTo", "dataFlowsTo") for *_, k in G.in_edges("coupons", keys=True))
    assert G.nodes["member-operation"]["kind"] == "practice"
    assert "convertible" in G.nodes["fan-group"]["values"]  # 在群内实现了周交易订单10%的转化 (L42)


def test_a_merchant_with_a_fan_group_sees_it_on_the_loop(ccare):
    for needs in ("SCALE,ACTIVE,WORTH,EFFICIENCY", "SCALE,ACTIVE,WORTH", "WORTH"):
        first = ccare.json("prescribe", "--has", "fan-group", "--needs", needs, "--limit", "1")[0]
        assert "fan-group" in _loop(first), needs


@pytest.mark.parametrize("needs", ["SCALE,ACTIVE,WORTH,EFFICIENCY", "SCALE,ACTIVE,WORTH", "WORTH"])
def test_a_merchant_running_alipay_live_sees_its_live_room_on_the_loop(ccare, needs):
    """Not a smaller loop through payment that leaves the live room outside: every
    prescription brings Alipay Live onto the loop, and none leaves it out."""
    found = ccare.json("prescribe", "--has", "alipay-live", "--needs", needs, "--limit", "5")
    assert found
    for p in found:
        assert "alipay-live" in _loop(p) and p["outside"] == []


def test_alipay_live_joins_through_the_fan_group_and_the_mini_program(ccare):
    (first,) = ccare.json("prescribe", "--has", "alipay-live", "--limit", "1")
    assert _ids(first["add"]) == ["fan-group", "mini-program", "mini-program-cloud"]
    assert _loop(first) == ["payment", "fan-group", "alipay-live", "mini-program"]
    r = ccare("prescribe", "--has", "支付宝直播", "--limit", "1", "--lang", "zh")
    assert r.exit_code == 0
    assert "处方 1：新增商家粉丝群、小程序、小程序云（3 个产品）" in r.output
    assert "它闭合的环：支付 → 商家粉丝群 → 支付宝直播 → 小程序 → 支付" in r.output
    assert "已有但不在这个环上" not in r.output


def test_a_product_no_loop_can_use_is_named_beside_the_loop(ccare):
    """Nothing flows into Zhima Credit, so no loop can hold it: the loop goes through
    payment, and the answer says the merchant's Zhima Credit stays off it."""
    (first,) = ccare.json("prescribe", "--has", "zhima-credit", "--limit", "1")
    assert _loop(first) == ["payment", "mini-program"] and _ids(first["outside"]) == ["zhima-credit"]
    r = ccare("prescribe", "--has", "芝麻信用", "--limit", "1", "--lang", "zh")
    assert "已有但不在这个环上：芝麻信用" in r.output
    r = ccare("prescribe", "--has", "zhima-credit", "--limit", "1")
    assert "Already run, not on this loop: Zhima Credit" in r.output


def test_coupons_handed_out_in_the_fan_group_are_not_off_the_loop(ccare):
    """Laoxiangji's coupons combine with its fan group, which is on the loop: they are not
    named as products the loop leaves out."""
    (first,) = ccare.json("prescribe", "--has", LAOXIANGJI, "--limit", "1")
    assert "fan-group" in _loop(first) and first["outside"] == []
    r = ccare("prescribe", "--has", LAOXIANGJI, "--limit", "1", "--lang", "zh")
    assert "已有但不在这个环上" not in r.output


def test_an_owned_supporting_product_counts_as_the_merchants_own(ccare):
    """A merchant with a life account and Mini-Program Cloud: the cloud supports the
    mini-program of the loop, so adding the mini-program is enough; the life account is
    named as off the loop, not pulled in through four more products."""
    (first,) = ccare.json("prescribe", "--has", "life-account,mini-program-cloud", "--limit", "1")
    assert _ids(first["add"]) == ["mini-program"]
    assert "mini-program-cloud" in _supporting(first["loop"])
    assert _ids(first["outside"]) == ["life-account"]


def test_the_report_says_which_products_stay_off_the_loop(ccare, tmp_path):
    out = tmp_path / "r.html"
    r = ccare("prescribe", "--has", "芝麻信用", "--lang", "zh", "--report", str(out))
    assert r.exit_code == 0
    assert "商家已有的芝麻信用不在这个环上" in out.read_text(encoding="utf-8")


# -- Mini-Program Cloud and the Fanxing Plan act ------------------------------------------

def test_mini_program_cloud_brings_efficiency(ccare):
    (first,) = ccare.json("prescribe", "--has", "mini-program", "--limit", "1")
    assert _ids(first["add"]) == ["mini-program-cloud"]
    assert "mini-program-cloud" in _supporting(first["loop"])
    assert "EFFICIENCY" in first["loop"]["needs"]
    kinds = {r["kind"] for r in first["why"]["mini-program-cloud"]}
    assert {"need", "attached"} <= kinds
    # the cloud does not count in the cycle's length
    assert len(first["loop"]["nodes"]) == 2
    assert ccare.json("loops", "--max-length", "2", "--limit", "1")[0]["needs"] == list(NEED_CODES)


def test_a_small_merchant_is_shown_where_fanxing_helps(ccare):
    small = ccare.json("prescribe", "--has", "fan-group", "--needs", "SCALE,ACTIVE,WORTH", "--scale", "small")
    assert _ids(small[0]["add"]) == ["fanxing-3"]
    assert "fanxing-3" in _supporting(small[0]["loop"])
    assert any(s["offering"] == "fanxing-3" for p in small for s in p["support"])
    r = ccare("prescribe", "--has", "fan-group", "--needs", "SCALE,ACTIVE,WORTH", "--scale", "small", "--lang", "zh")
    assert r.exit_code == 0 and "繁星计划" in r.output


@pytest.mark.parametrize("scale", [None, "large"])
def test_fanxing_is_for_small_and_medium_merchants_only(ccare, scale):
    args = ["prescribe", "--has", "fan-group", "--needs", "SCALE,ACTIVE,WORTH", "--limit", "10"]
    found = ccare.json(*args, *(["--scale", scale] if scale else []))
    assert all("fanxing-3" not in _ids(p["add"]) and "fanxing-3" not in _supporting(p["loop"]) for p in found)


def test_zhima_credit_users_reach_payment_directly(ccare):
    (p,) = ccare.json("path", "zhima-credit", "payment", "--k", "0")
    assert _ids(p["nodes"]) == ["zhima-credit", "payment"]
    assert p["steps"][0]["evidence"][0]["line"] == 26


# -- migration and the README's worked example ----------------------------------------------

@pytest.mark.parametrize("ident,now", [("payment", "PaymentHub"), ("member-operation", "Practice"),
                                       ("coupons", "Instrument"), ("mini-program-cloud", "SupportingProduct"),
                                       ("qipan-miyun", "ReachActivator")])
def test_retyped_ids_still_resolve_and_say_what_changed(ccare, ident, now):
    d = ccare.json("show", ident)
    assert f"cc:{now}" in d["change_note"]["en"] and f"cc:{now}" in d["change_note"]["zh"]
    assert f"cc:{now}" in d["types"]
    r = ccare("show", ident, "--lang", "zh")
    assert "变更：" in r.output


def test_the_readme_worked_example_is_what_ccare_prints(ccare):
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("**A worked example on the shipped map.**", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    r = ccare("loops", "--limit", "1")
    assert r.stdout == block


# -- what a merchant reads in a report ------------------------------------------------

@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_report_never_walks_through_a_supporting_product(ccare, tmp_path, lang):
    """Mini-Program Cloud supports the mini-program beside the loop: a report of loops
    names it after the cycle, "（+ 小程序云）", never as a stop between two products."""
    import re

    out = tmp_path / "loops.html"
    loops = ccare.json("loops", "--limit", "5")
    r = ccare("loops", "--limit", "5", "--report", str(out), "--lang", lang)
    assert r.exit_code == 0, r.output
    html = out.read_text(encoding="utf-8")
    cloud = "小程序云" if lang == "zh" else "Mini-Program Cloud"
    heads = re.findall(r"(?:经营闭环|Operating loop) \d+(?:：|: )([^<\"]+)", html)
    assert len(heads) >= 2
    assert any("mini-program-cloud" in _supporting(w) for w in loops[:len(heads)])
    for head, loop in zip(heads, loops):
        if "mini-program-cloud" in _supporting(loop):
            cycle, _, beside = head.partition("（+ " if lang == "zh" else " (+ ")
            assert cloud in beside and cloud not in cycle, head
