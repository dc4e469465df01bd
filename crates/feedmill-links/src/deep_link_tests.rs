//! Deep links per network against the forms the networks document (NETWORKS.md, seeds/) and
//! the links real feeds carry.

use super::*;
use crate::landing_page::landing_page;

fn ids(values: &[&str]) -> SubIds {
    let mut ids = SubIds::none();
    for (slot, value) in values.iter().enumerate() {
        if let Err(err) = ids.set(slot, "subid", value) {
            panic!("bad test sub-id {value:?}: {err}");
        }
    }
    ids
}

fn page(text: &str) -> Url {
    Url::parse(text).unwrap_or_else(|err| panic!("bad test url {text}: {err}"))
}

/// Every network's edit applied twice gives the same link: never wrapped twice.
fn assert_idempotent(network: LinkNetwork, tracking: &str, sub_ids: &SubIds) {
    let once = deep_link(network, tracking, Landing::AsGiven, sub_ids).unwrap_or_default();
    let twice = deep_link(network, &once, Landing::AsGiven, sub_ids).unwrap_or_default();
    assert!(!once.is_empty());
    assert_eq!(once, twice, "{network}");
}

const ADTRACTION_FEED: &str = "http://track.adtraction.com/t/t?a=29137242&as=24156984&t=2&tk=1&epi=DC+Grande+Premium+Zip+Hood&url=http://www.boardstore.se/item/48343-DC-Grande-Premium-Zip-Hood";

#[test]
fn adtraction_sets_epi_and_keeps_url_last_and_unencoded() -> Result<(), LinkError> {
    let link = adtraction(ADTRACTION_FEED, Landing::AsGiven, &ids(&["nl-42", "top"]))?;
    assert_eq!(
        link,
        "http://track.adtraction.com/t/t?a=29137242&as=24156984&t=2&tk=1&epi=nl-42&epi2=top&url=http://www.boardstore.se/item/48343-DC-Grande-Premium-Zip-Hood"
    );
    assert_idempotent(LinkNetwork::Adtraction, ADTRACTION_FEED, &ids(&["nl-42"]));
    Ok(())
}

#[test]
fn adtraction_points_at_another_page_or_the_program_default() -> Result<(), LinkError> {
    let branded = "https://on.vimla.se/t/t?a=1&as=2&t=2&tk=1&url=https://vimla.se/a?x=1&y=2";
    let other = page("https://vimla.se/b?q=1&r=2");
    let link = adtraction(branded, Landing::Page(&other), &ids(&["s1"]))?;
    assert_eq!(
        link,
        "https://on.vimla.se/t/t?a=1&as=2&t=2&tk=1&epi=s1&url=https%3A%2F%2Fvimla.se%2Fb%3Fq%3D1%26r%3D2"
    );
    let default = adtraction(branded, Landing::Default, &SubIds::none())?;
    assert_eq!(default, "https://on.vimla.se/t/t?a=1&as=2&t=2&tk=1");
    Ok(())
}

const AWIN_FEED: &str = "https://www.awin1.com/pclick.php?p=38953129761&a=394937&m=10597";

#[test]
fn awin_product_links_gain_clickrefs() -> Result<(), LinkError> {
    let link = awin(
        AWIN_FEED,
        Landing::AsGiven,
        &ids(&["a", "b", "c", "d", "e", "f"]),
    )?;
    assert_eq!(
        link,
        "https://www.awin1.com/pclick.php?p=38953129761&a=394937&m=10597&clickref=a&clickref2=b&clickref3=c&clickref4=d&clickref5=e&clickref6=f"
    );
    assert_idempotent(LinkNetwork::Awin, AWIN_FEED, &ids(&["x"]));
    Ok(())
}

#[test]
fn awin_other_pages_go_through_cread_on_the_same_host() -> Result<(), LinkError> {
    let other = page("https://www.size.de/sale/");
    let link = awin(AWIN_FEED, Landing::Page(&other), &ids(&["nl"]))?;
    assert_eq!(
        link,
        "https://www.awin1.com/cread.php?awinmid=10597&awinaffid=394937&clickref=nl&ued=https%3A%2F%2Fwww.size.de%2Fsale%2F"
    );
    let default = awin(AWIN_FEED, Landing::Default, &SubIds::none())?;
    assert_eq!(
        default,
        "https://www.awin1.com/cread.php?awinmid=10597&awinaffid=394937"
    );
    // A cread link is edited in place.
    let again = awin(
        &link,
        Landing::Page(&page("https://www.size.de/b")),
        &ids(&["nl"]),
    )?;
    assert_eq!(
        again,
        "https://www.awin1.com/cread.php?awinmid=10597&awinaffid=394937&clickref=nl&ued=https%3A%2F%2Fwww.size.de%2Fb"
    );
    assert!(
        awin(
            "https://www.awin1.com/pclick.php?p=1",
            Landing::Default,
            &SubIds::none()
        )
        .is_err()
    );
    Ok(())
}

const PARTNERBOOST_FEED: &str = "https://app.partnerboost.com/track/ab12cd?url=https%3A%2F%2Fwww.ulike.example%2Fproducts%2Fp052";

#[test]
fn partnerboost_sets_uids_before_the_url() -> Result<(), LinkError> {
    let link = partnerboost(PARTNERBOOST_FEED, Landing::AsGiven, &ids(&["u1", "u2"]))?;
    assert_eq!(
        link,
        "https://app.partnerboost.com/track/ab12cd?uid=u1&uid2=u2&url=https%3A%2F%2Fwww.ulike.example%2Fproducts%2Fp052"
    );
    assert_idempotent(LinkNetwork::Partnerboost, PARTNERBOOST_FEED, &ids(&["u1"]));
    let default = partnerboost(PARTNERBOOST_FEED, Landing::Default, &SubIds::none())?;
    assert_eq!(default, "https://app.partnerboost.com/track/ab12cd");
    Ok(())
}

#[test]
fn tradetracker_direct_links_take_r_and_u() -> Result<(), LinkError> {
    let direct =
        "https://tc.tradetracker.net/?c=15159&m=12&a=285123&r=&u=https%3A%2F%2Fshop.example%2Fp1";
    let link = tradetracker(direct, Landing::AsGiven, &ids(&["ref1"]))?;
    assert_eq!(
        link,
        "https://tc.tradetracker.net/?c=15159&m=12&a=285123&r=ref1&u=https%3A%2F%2Fshop.example%2Fp1"
    );
    let other = tradetracker(
        direct,
        Landing::Page(&page("https://shop.example/p2")),
        &ids(&[]),
    )?;
    assert_eq!(
        other,
        "https://tc.tradetracker.net/?c=15159&m=12&a=285123&r=&u=https%3A%2F%2Fshop.example%2Fp2"
    );
    assert_idempotent(LinkNetwork::Tradetracker, direct, &ids(&["ref1"]));
    Ok(())
}

#[test]
fn tradetracker_merchant_redirects_carry_the_reference_in_tt() -> Result<(), LinkError> {
    let hosted = "http://www.centralpoint.nl/tracker/index.php?tt=534_251713_1_&r=http%3A%2F%2Fwww.centralpoint.nl%2Fa%2F";
    let link = tradetracker(hosted, Landing::AsGiven, &ids(&["nl-7"]))?;
    assert_eq!(
        link,
        "http://www.centralpoint.nl/tracker/index.php?tt=534_251713_1_nl-7&r=http%3A%2F%2Fwww.centralpoint.nl%2Fa%2F"
    );
    assert_idempotent(LinkNetwork::Tradetracker, hosted, &ids(&["nl-7"]));
    assert_eq!(
        landing_page(hosted, Some(LinkNetwork::Tradetracker)).as_deref(),
        Some("http://www.centralpoint.nl/a/")
    );
    Ok(())
}

const TRADEDOUBLER_FEED: &str = "http://pdt.tradedoubler.com/click?a(2122225)p(77609)prod(1016720533)ttid(5)url(http%3A%2F%2Fwww.spelbutiken.se%2Fcatalog%2Fproduct%2F68837)";

#[test]
fn tradedoubler_inserts_epi_before_url() -> Result<(), LinkError> {
    let link = tradedoubler(TRADEDOUBLER_FEED, Landing::AsGiven, &ids(&["sale-1"]))?;
    assert_eq!(
        link,
        "http://pdt.tradedoubler.com/click?a(2122225)p(77609)prod(1016720533)ttid(5)epi(sale-1)url(http%3A%2F%2Fwww.spelbutiken.se%2Fcatalog%2Fproduct%2F68837)"
    );
    assert_idempotent(
        LinkNetwork::Tradedoubler,
        TRADEDOUBLER_FEED,
        &ids(&["sale-1"]),
    );
    let other = tradedoubler(
        &link,
        Landing::Page(&page("http://www.spelbutiken.se/x")),
        &ids(&["b"]),
    )?;
    assert!(
        other.ends_with("ttid(5)epi(b)url(http%3A%2F%2Fwww.spelbutiken.se%2Fx)"),
        "{other}"
    );
    assert_eq!(
        landing_page(TRADEDOUBLER_FEED, Some(LinkNetwork::Tradedoubler)).as_deref(),
        Some("http://www.spelbutiken.se/catalog/product/68837")
    );
    Ok(())
}

#[test]
fn tradedoubler_query_form_gets_epi() -> Result<(), LinkError> {
    let query = "https://clk.tradedoubler.com/click?p=1&a=2&g=3&url=https://shop.example/p?x=1";
    let link = tradedoubler(query, Landing::AsGiven, &ids(&["s"]))?;
    assert_eq!(
        link,
        "https://clk.tradedoubler.com/click?p=1&a=2&g=3&epi=s&url=https://shop.example/p?x=1"
    );
    Ok(())
}

#[test]
fn templates_wrap_once() -> Result<(), LinkError> {
    let template = "https://go.network.example/c?site=9&sub={subid}&dest={url}";
    let link = from_template(template, "https://shop.example/p?a=1", &ids(&["nl"]))?;
    assert_eq!(
        link,
        "https://go.network.example/c?site=9&sub=nl&dest=https%3A%2F%2Fshop.example%2Fp%3Fa%3D1"
    );
    assert_eq!(from_template(template, &link, &ids(&["nl"]))?, link);
    assert!(template_host("https://go.network.example/c").is_err());
    assert!(template_host("{url}").is_err());
    Ok(())
}

#[test]
fn detects_networks_by_link_shape() {
    let cases = [
        (ADTRACTION_FEED, Some(LinkNetwork::Adtraction)),
        (
            "https://on.vimla.se/t/t?a=1&as=2&t=2&url=https://vimla.se/",
            Some(LinkNetwork::Adtraction),
        ),
        (AWIN_FEED, Some(LinkNetwork::Awin)),
        (PARTNERBOOST_FEED, Some(LinkNetwork::Partnerboost)),
        (TRADEDOUBLER_FEED, Some(LinkNetwork::Tradedoubler)),
        (
            "http://www.centralpoint.nl/tracker/index.php?tt=534_1_1_&r=x",
            Some(LinkNetwork::Tradetracker),
        ),
        ("https://shop.example/p/1", None),
        ("not a url", None),
    ];
    for (link, want) in cases {
        assert_eq!(LinkNetwork::detect(link), want, "{link}");
    }
}

#[test]
fn sub_id_values_are_checked_before_they_reach_a_link() {
    let bad: Result<SubIds, LinkError> = SubIds::single("subid", "a&url=https://evil.example");
    assert!(bad.is_err());
}

#[test]
fn bad_tracking_urls_are_errors_not_panics() {
    for network in LinkNetwork::ALL {
        for bad in [
            "",
            "javascript:alert(1)",
            "//x",
            "https://",
            "http://a.example/click?url(",
        ] {
            let _ = deep_link(network, bad, Landing::AsGiven, &ids(&["x"]));
        }
    }
}
