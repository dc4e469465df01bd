//! Click-out links with a click id: the id in each network's click-id slot, the caller's
//! sub-ids in theirs, and no id outside a click-out.

use super::*;
use feedmill_model::Network;

const CLICK_ID: &str = "0123456789abcdef0123456789abcdef";

fn offer_of(network: Network, tracking: &str) -> Offer {
    let mut offer = crate::test_offer::offer("shop:1");
    offer.network = network;
    offer.tracking_url = Some(tracking.into());
    offer.product_url = Some("https://shop.example/p/1".into());
    offer
}

fn caller_ids(values: &[&str]) -> SubIds {
    let mut ids = SubIds::none();
    for (slot, value) in values.iter().enumerate() {
        if let Err(err) = ids.set(slot, "sub_id", value) {
            panic!("bad test sub-id {value:?}: {err}");
        }
    }
    ids
}

fn click_out(links: &SourceLinks, offer: &Offer, ids: &SubIds) -> String {
    links
        .click_out_destination(offer, ids, Some(CLICK_ID))
        .unwrap_or_default()
}

fn query_value(link: &str, name: &str) -> Option<String> {
    let url = Url::parse(link).ok()?;
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

#[test]
fn each_network_has_its_click_id_slot() {
    assert_eq!(LinkNetwork::Adtraction.click_id_slot(), Some(0));
    assert_eq!(LinkNetwork::Awin.click_id_slot(), Some(5));
    assert_eq!(LinkNetwork::Partnerboost.click_id_slot(), Some(4));
    assert_eq!(LinkNetwork::Tradetracker.click_id_slot(), Some(0));
    assert_eq!(LinkNetwork::Tradedoubler.click_id_slot(), Some(0));
    assert_eq!(LinkNetwork::Template.click_id_slot(), None);
}

#[test]
fn the_click_id_rides_in_the_last_slot_beside_the_callers_sub_ids() {
    let links = SourceLinks::default();
    let cases = [
        (
            Network::Awin,
            "https://www.awin1.com/pclick.php?p=38953129761&a=394937&m=10597",
            "clickref6",
            ["clickref", "clickref2"],
        ),
        (
            Network::Partnerboost,
            "https://app.partnerboost.com/track/ab12cd?url=https%3A%2F%2Fshop.example%2Fp",
            "uid5",
            ["uid", "uid2"],
        ),
    ];
    for (network, tracking, click_param, caller_params) in cases {
        let offer = offer_of(network, tracking);
        let link = click_out(&links, &offer, &caller_ids(&["nl", "top"]));
        assert_eq!(
            query_value(&link, click_param).as_deref(),
            Some(CLICK_ID),
            "{link}"
        );
        assert_eq!(query_value(&link, caller_params[0]).as_deref(), Some("nl"));
        assert_eq!(query_value(&link, caller_params[1]).as_deref(), Some("top"));
    }
}

#[test]
fn adtraction_epi_carries_the_click_id_and_the_caller_keeps_epi2_on() {
    // Adtraction's transactions report `click.epi` back and no other epi, so the click id
    // takes `epi`; the caller's first sub-id is kept in the stored click only.
    let links = SourceLinks::default();
    let offer = offer_of(
        Network::Adtraction,
        "http://track.adtraction.com/t/t?a=1&as=2&t=2&tk=1&epi=Feed+Name&url=http://shop.example/p",
    );
    let link = click_out(&links, &offer, &caller_ids(&["nl", "top"]));
    assert_eq!(
        link,
        format!(
            "http://track.adtraction.com/t/t?a=1&as=2&t=2&tk=1&epi={CLICK_ID}&epi2=top&url=http://shop.example/p"
        )
    );
    assert_eq!(query_value(&link, "epi5"), None, "{link}");
}

#[test]
fn tradetracker_r_carries_the_click_id_not_the_callers_sub_id() {
    let links = SourceLinks::default();
    let direct = offer_of(
        Network::Tradetracker,
        "https://tc.tradetracker.net/?c=15159&m=12&a=285123&r=&u=https%3A%2F%2Fshop.example%2Fp1",
    );
    let link = click_out(&links, &direct, &caller_ids(&["nl"]));
    assert_eq!(query_value(&link, "r").as_deref(), Some(CLICK_ID), "{link}");
    assert!(!link.contains("nl"), "{link}");
    let hosted = offer_of(
        Network::Tradetracker,
        "http://www.centralpoint.nl/tracker/index.php?tt=534_251713_1_&r=http%3A%2F%2Fwww.centralpoint.nl%2Fa%2F",
    );
    let link = click_out(&links, &hosted, &caller_ids(&["nl"]));
    assert_eq!(
        query_value(&link, "tt"),
        Some(format!("534_251713_1_{CLICK_ID}")),
        "{link}"
    );
}

#[test]
fn templates_place_the_click_id_at_their_placeholder() -> Result<(), LinkError> {
    let links = SourceLinks {
        deep_link_template: Some("https://go.example/c?sub={subid}&cid={click_id}&to={url}".into()),
        ..SourceLinks::default()
    }
    .validated()?;
    let mut offer = crate::test_offer::offer("shop:1");
    offer.product_url = Some("https://shop.example/p/1".into());
    let link = click_out(&links, &offer, &caller_ids(&["nl"]));
    assert_eq!(
        link,
        format!("https://go.example/c?sub=nl&cid={CLICK_ID}&to=https%3A%2F%2Fshop.example%2Fp%2F1")
    );
    // Outside a click-out (search answers, the link builder) no link carries a click id.
    let plain = links.deep_link(&offer, Landing::AsGiven, &caller_ids(&["nl"]));
    assert_eq!(
        plain.as_deref(),
        Some("https://go.example/c?sub=nl&cid=&to=https%3A%2F%2Fshop.example%2Fp%2F1")
    );
    Ok(())
}

#[test]
fn links_that_cannot_be_edited_carry_no_click_id() {
    let links = SourceLinks::default();
    let mut offer = crate::test_offer::offer("shop:1");
    offer.tracking_url = Some("https://unknown.example/go?id=1".into());
    assert_eq!(
        links.click_out_destination(&offer, &SubIds::none(), Some(CLICK_ID)),
        Some("https://unknown.example/go?id=1".into())
    );
}

#[test]
fn a_click_id_that_is_no_sub_id_value_builds_no_deep_link() {
    let links = SourceLinks::default();
    let offer = offer_of(
        Network::Partnerboost,
        "https://app.partnerboost.com/track/ab12cd?url=https%3A%2F%2Fshop.example%2Fp",
    );
    let link = links.click_out_destination(&offer, &SubIds::none(), Some("a b"));
    assert_eq!(
        link.as_deref(),
        Some("https://app.partnerboost.com/track/ab12cd?url=https%3A%2F%2Fshop.example%2Fp")
    );
}
