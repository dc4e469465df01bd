//! [`SourceLinks`]: how the links of one feed source are built — its link dialect, its deep-link
//! template, whether its program permits deep links, its merchant hosts and advertiser ids —
//! and the links of one offer built with them ([`SourceLinks::deep_link`],
//! [`SourceLinks::click_destination`], [`SourceLinks::click_out_destination`] with a click id).

use crate::deep_link::{Landing, deep_link, from_template_with_click_id, template_host};
use crate::error::LinkError;
use crate::link_network::{CLICK_ID_FIELD, LinkNetwork};
use crate::sub_ids::SubIds;
use feedmill_model::Offer;
use tracing::debug;
use url::Url;

/// How links of one source are built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLinks {
    /// The link dialect; `None` takes it from the offers' network or their links' shape.
    pub network: Option<LinkNetwork>,
    /// For networks without a dialect here: a URL with `{url}` (the landing page,
    /// percent-encoded) and optionally `{subid}`.
    pub deep_link_template: Option<String>,
    /// False when the program forbids deep links (PartnerBoost `allow_sml = 0`, Awin's
    /// `deeplinkNotPermitted`): the link builder refuses other landing pages.
    pub allow_deep_links: bool,
    /// Hosts a link-builder destination may have (a subdomain of one counts). Empty: the hosts
    /// of the source's indexed product pages.
    pub merchant_hosts: Vec<String>,
    /// Advertiser ids (`advertiserId` of the link builder) this source's offers belong to, when
    /// the offers do not carry them as `merchant_id` / `program_id`.
    pub advertiser_ids: Vec<String>,
}

impl Default for SourceLinks {
    fn default() -> Self {
        SourceLinks {
            network: None,
            deep_link_template: None,
            allow_deep_links: true,
            merchant_hosts: Vec::new(),
            advertiser_ids: Vec::new(),
        }
    }
}

impl SourceLinks {
    /// Checks the settings and normalizes them: merchant hosts lower-case without scheme or
    /// `www.`.
    pub fn validated(mut self) -> Result<SourceLinks, LinkError> {
        if let Some(template) = &self.deep_link_template {
            template_host(template)?;
        } else if self.network == Some(LinkNetwork::Template) {
            return Err(LinkError::MissingTemplate);
        }
        let mut hosts = Vec::with_capacity(self.merchant_hosts.len());
        for host in &self.merchant_hosts {
            hosts.push(
                normalize_host(host).ok_or_else(|| LinkError::BadMerchantHost(host.clone()))?,
            );
        }
        self.merchant_hosts = hosts;
        Ok(self)
    }

    /// The link dialect of `offer`: this setting, else the offer's network's, else its link's
    /// shape, else the template.
    pub fn network_of(&self, offer: &Offer) -> Option<LinkNetwork> {
        self.network
            .or_else(|| LinkNetwork::for_network(offer.network))
            .or_else(|| offer.tracking_url.as_deref().and_then(LinkNetwork::detect))
            .or_else(|| {
                self.deep_link_template
                    .as_ref()
                    .map(|_| LinkNetwork::Template)
            })
    }

    /// The deep link of `offer` to `landing` with `ids`; `None` when there is no link to edit.
    pub fn deep_link(&self, offer: &Offer, landing: Landing<'_>, ids: &SubIds) -> Option<String> {
        self.link_with_click_id(offer, landing, ids, None)
    }

    /// Where a click-out of `offer` goes: its deep link, else its tracking URL, else its page.
    pub fn click_destination(&self, offer: &Offer, ids: &SubIds) -> Option<String> {
        self.click_out_destination(offer, ids, None)
    }

    /// [`SourceLinks::click_destination`] carrying `click_id` in the network's click-id slot
    /// ([`LinkNetwork::click_id_slot`]) or a template's `{click_id}`. The caller's sub-ids
    /// keep their slots, except the one the click id takes, whose value stays out of the
    /// link. A link this crate cannot edit (the tracking URL or page as given) carries no id.
    pub fn click_out_destination(
        &self,
        offer: &Offer,
        ids: &SubIds,
        click_id: Option<&str>,
    ) -> Option<String> {
        self.link_with_click_id(offer, Landing::AsGiven, ids, click_id)
            .or_else(|| offer.tracking_url.clone())
            .or_else(|| offer.product_url.clone())
    }

    fn link_with_click_id(
        &self,
        offer: &Offer,
        landing: Landing<'_>,
        ids: &SubIds,
        click_id: Option<&str>,
    ) -> Option<String> {
        let network = self.network_of(offer)?;
        let result = if network == LinkNetwork::Template {
            let template = self.deep_link_template.as_deref()?;
            let page = match landing {
                Landing::Page(page) => page.as_str().to_string(),
                Landing::AsGiven => offer.product_url.clone()?,
                Landing::Default => merchant_root(offer)?,
            };
            from_template_with_click_id(template, &page, ids, click_id.unwrap_or(""))
        } else {
            let tracking = offer.tracking_url.as_deref()?;
            with_click_id(network, ids, click_id)
                .and_then(|wire| deep_link(network, tracking, landing, &wire))
        };
        result
            .map_err(|err| debug!(offer = %offer.id, error = %err, "no deep link"))
            .ok()
    }
}

/// The sub-ids a link of `network` carries: the caller's, with the click id in its slot.
fn with_click_id(
    network: LinkNetwork,
    ids: &SubIds,
    click_id: Option<&str>,
) -> Result<SubIds, LinkError> {
    let mut wire = ids.clone();
    if let (Some(click_id), Some(slot)) = (click_id, network.click_id_slot()) {
        wire.set(slot, CLICK_ID_FIELD, click_id)?;
    }
    Ok(wire)
}

/// `https://host/` of the offer's product page: a merchant's default landing page.
pub fn merchant_root(offer: &Offer) -> Option<String> {
    let mut url = Url::parse(offer.product_url.as_deref()?).ok()?;
    url.set_path("/");
    url.set_query(None);
    url.set_fragment(None);
    Some(url.to_string())
}

/// `https://www.Shop.example/x` or `shop.example` → `shop.example`.
pub fn normalize_host(text: &str) -> Option<String> {
    let text = text.trim();
    let host = if text.contains("://") {
        Url::parse(text).ok()?.host_str()?.to_string()
    } else {
        text.trim_end_matches('/').to_string()
    };
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-');
    valid.then_some(host)
}

/// True when `host` is `merchant` or one of its subdomains (`www.` ignored).
pub fn host_matches(host: &str, merchant: &str) -> bool {
    let Some(host) = normalize_host(host) else {
        return false;
    };
    host == merchant || host.ends_with(&format!(".{merchant}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_merchant_hosts() -> Result<(), LinkError> {
        let links = SourceLinks {
            merchant_hosts: vec!["https://WWW.Shop.example/".into(), "b.example".into()],
            ..SourceLinks::default()
        }
        .validated()?;
        assert_eq!(links.merchant_hosts, ["shop.example", "b.example"]);
        assert!(links.allow_deep_links);
        Ok(())
    }

    #[test]
    fn rejects_bad_settings() {
        let template = SourceLinks {
            deep_link_template: Some("https://go.example/?x=1".into()),
            ..SourceLinks::default()
        };
        assert!(matches!(
            template.validated(),
            Err(LinkError::BadTemplate(_))
        ));
        let network = SourceLinks {
            network: Some(LinkNetwork::Template),
            ..SourceLinks::default()
        };
        assert_eq!(network.validated(), Err(LinkError::MissingTemplate));
        let host = SourceLinks {
            merchant_hosts: vec!["shop example".into()],
            ..SourceLinks::default()
        };
        assert_eq!(
            host.validated(),
            Err(LinkError::BadMerchantHost("shop example".into()))
        );
    }

    #[test]
    fn matches_hosts_and_subdomains_only() {
        assert!(host_matches("www.shop.example", "shop.example"));
        assert!(host_matches("m.shop.example", "shop.example"));
        assert!(!host_matches("evilshop.example", "shop.example"));
        assert!(!host_matches("shop.example.evil.example", "shop.example"));
    }

    #[test]
    fn the_template_builds_links_of_offers_without_a_dialect() -> Result<(), LinkError> {
        let links = SourceLinks {
            deep_link_template: Some("https://go.example/c?sub={subid}&to={url}".into()),
            ..SourceLinks::default()
        }
        .validated()?;
        let mut offer = sample_offer();
        offer.product_url = Some("https://shop.example/p/1?a=b".into());
        assert_eq!(links.network_of(&offer), Some(LinkNetwork::Template));
        let ids = SubIds::single("subid", "nl")?;
        assert_eq!(
            links.deep_link(&offer, Landing::AsGiven, &ids).as_deref(),
            Some("https://go.example/c?sub=nl&to=https%3A%2F%2Fshop.example%2Fp%2F1%3Fa%3Db")
        );
        assert_eq!(
            links.deep_link(&offer, Landing::Default, &ids).as_deref(),
            Some("https://go.example/c?sub=nl&to=https%3A%2F%2Fshop.example%2F")
        );
        Ok(())
    }

    #[test]
    fn click_outs_fall_back_to_the_tracking_url_then_the_page() {
        let links = SourceLinks::default();
        let mut offer = sample_offer();
        offer.product_url = Some("https://shop.example/p".into());
        assert_eq!(
            links.click_destination(&offer, &SubIds::none()).as_deref(),
            Some("https://shop.example/p")
        );
        offer.tracking_url = Some("https://unknown.example/go?id=1".into());
        assert_eq!(
            links.click_destination(&offer, &SubIds::none()).as_deref(),
            Some("https://unknown.example/go?id=1")
        );
    }

    fn sample_offer() -> Offer {
        crate::test_offer::offer("shop:1")
    }
}

#[cfg(test)]
#[path = "click_out_tests.rs"]
mod click_out_tests;
