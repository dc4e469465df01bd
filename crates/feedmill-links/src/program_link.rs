//! [`LinkProgram`]: a program (advertiser) as the link builder knows it, from a sample of its
//! offers, and [`LinkProgram::link`], which builds one link to it the way Awin's link builder
//! does.
//!
//! The sample's tracking URL is the link to edit (never a hard-coded host); the offers' product
//! and landing pages say which hosts are the merchant's, and a destination must be on one of
//! them. Finding the offers is the caller's business: this module never reads an index.

use crate::deep_link::{Landing, deep_link};
use crate::error::LinkError;
use crate::landing_page::landing_page;
use crate::link_network::LinkNetwork;
use crate::source_links::{SourceLinks, host_matches, normalize_host};
use crate::sub_ids::SubIds;
use feedmill_model::Offer;
use std::collections::BTreeSet;
use url::Url;

/// A program the link builder can link to.
#[derive(Debug, Clone)]
pub struct LinkProgram {
    pub source: String,
    /// An offer of the program, one with a tracking URL when there is one.
    pub sample: Offer,
    /// Hosts of the program's product pages (without `www.`).
    pub hosts: BTreeSet<String>,
}

impl LinkProgram {
    /// The program of `offers` of `source`; `None` without offers.
    pub fn from_offers<'a>(
        source: &str,
        links: &SourceLinks,
        offers: impl Iterator<Item = &'a Offer>,
    ) -> Option<LinkProgram> {
        let mut sample: Option<&Offer> = None;
        let mut hosts = BTreeSet::new();
        for offer in offers {
            if sample.is_none_or(|s| s.tracking_url.is_none() && offer.tracking_url.is_some()) {
                sample = Some(offer);
            }
            hosts.extend(offer.product_url.as_deref().and_then(host_of));
            let landing = links
                .network_of(offer)
                .zip(offer.tracking_url.as_deref())
                .and_then(|(network, tracking)| landing_page(tracking, Some(network)));
            hosts.extend(landing.as_deref().and_then(host_of));
        }
        Some(LinkProgram {
            source: source.to_string(),
            sample: sample?.clone(),
            hosts,
        })
    }

    /// A link to this program: its tracking link edited to land on `destination` (or the
    /// program's default page) with `ids`, as Awin's `linkbuilder/generate` answers it.
    pub fn link(
        &self,
        links: &SourceLinks,
        destination: Option<&str>,
        ids: &SubIds,
    ) -> Result<String, LinkError> {
        let offer = &self.sample;
        let no_link = || LinkError::NoTrackingLink {
            source_name: self.source.clone(),
        };
        let network = links.network_of(offer).ok_or_else(no_link)?;
        let num_params = network.sub_id_params().len();
        if ids.num_slots_used() > num_params {
            return Err(LinkError::TooManySubIds {
                network: network.to_string(),
                num_params,
            });
        }
        let Some(destination) = destination.map(str::trim).filter(|d| !d.is_empty()) else {
            return links
                .deep_link(offer, Landing::Default, ids)
                .ok_or_else(no_link);
        };
        let page = Url::parse(destination)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or(LinkError::BadDestination)?;
        if !links.allow_deep_links {
            return Err(LinkError::DeepLinksNotPermitted {
                source_name: self.source.clone(),
            });
        }
        // A destination that already is this program's tracking link is edited, not wrapped.
        if let (Some(tracking), true) = (&offer.tracking_url, network != LinkNetwork::Template)
            && host_of(tracking) == host_of(destination)
        {
            // Its landing page must be the merchant's: a link of another program on the same
            // network host is refused.
            let landing = landing_page(destination, Some(network)).unwrap_or_default();
            self.check_host(links, &landing)?;
            return deep_link(network, destination, Landing::AsGiven, ids)
                .map_err(|err| LinkError::BadDestinationLink(Box::new(err)));
        }
        self.check_host(links, destination)?;
        links
            .deep_link(offer, Landing::Page(&page), ids)
            .ok_or_else(no_link)
    }

    /// A destination must be on one of the merchant's hosts (or a subdomain of one).
    fn check_host(&self, links: &SourceLinks, destination: &str) -> Result<(), LinkError> {
        let host = Url::parse(destination)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string));
        let hosts: Vec<&String> = if links.merchant_hosts.is_empty() {
            self.hosts.iter().collect()
        } else {
            links.merchant_hosts.iter().collect()
        };
        if host
            .as_deref()
            .is_some_and(|h| hosts.iter().any(|m| host_matches(h, m)))
        {
            return Ok(());
        }
        let known: Vec<&str> = hosts.iter().map(|h| h.as_str()).collect();
        Err(LinkError::DestinationNotAllowed {
            host: host.unwrap_or_default(),
            known: if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            },
        })
    }
}

fn host_of(url: &str) -> Option<String> {
    normalize_host(Url::parse(url).ok()?.host_str()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACKING: &str =
        "https://track.adtraction.com/t/t?a=1&as=2&t=2&tk=1&url=https://www.shop.example/p/1";

    fn program(links: &SourceLinks) -> Option<LinkProgram> {
        let mut offer = crate::test_offer::offer("shop:1");
        offer.network = feedmill_model::Network::Adtraction;
        offer.tracking_url = Some(TRACKING.into());
        LinkProgram::from_offers("shop", links, [offer].iter())
    }

    #[test]
    fn learns_merchant_hosts_from_landing_pages() {
        let program = program(&SourceLinks::default());
        let hosts: Vec<String> = program.into_iter().flat_map(|p| p.hosts).collect();
        assert_eq!(hosts, ["shop.example"]);
        assert!(LinkProgram::from_offers("shop", &SourceLinks::default(), [].iter()).is_none());
    }

    #[test]
    fn links_to_merchant_pages_and_refuses_others() -> Result<(), LinkError> {
        let links = SourceLinks::default();
        let program = program(&links).ok_or(LinkError::NeedsTemplate)?;
        let ids = SubIds::single("clickref", "nl")?;
        let link = program.link(&links, Some("https://m.shop.example/sale"), &ids)?;
        assert_eq!(
            link,
            "https://track.adtraction.com/t/t?a=1&as=2&t=2&tk=1&epi=nl&url=https%3A%2F%2Fm.shop.example%2Fsale"
        );
        assert_eq!(
            program.link(&links, None, &ids)?,
            "https://track.adtraction.com/t/t?a=1&as=2&t=2&tk=1&epi=nl"
        );
        let other = program.link(&links, Some("https://evil.example/"), &ids);
        assert_eq!(
            other.map_err(|err| err.to_string()),
            Err(
                "destination host \"evil.example\" is not a host of the merchant (known: shop.example)"
                    .to_string()
            )
        );
        assert_eq!(
            program.link(&links, Some("shop.example/x"), &ids),
            Err(LinkError::BadDestination)
        );
        Ok(())
    }

    #[test]
    fn edits_a_destination_that_is_already_a_tracking_link() -> Result<(), LinkError> {
        let links = SourceLinks::default();
        let program = program(&links).ok_or(LinkError::NeedsTemplate)?;
        let ids = SubIds::single("clickref", "nl")?;
        let link = program.link(&links, Some(TRACKING), &ids)?;
        assert_eq!(
            link,
            "https://track.adtraction.com/t/t?a=1&as=2&t=2&tk=1&epi=nl&url=https://www.shop.example/p/1"
        );
        let foreign = "https://track.adtraction.com/t/t?a=9&url=https://evil.example/";
        assert!(matches!(
            program.link(&links, Some(foreign), &ids),
            Err(LinkError::DestinationNotAllowed { .. })
        ));
        Ok(())
    }

    #[test]
    fn honours_the_program_settings() -> Result<(), LinkError> {
        let closed = SourceLinks {
            allow_deep_links: false,
            ..SourceLinks::default()
        };
        let program = program(&closed).ok_or(LinkError::NeedsTemplate)?;
        assert!(matches!(
            program.link(&closed, Some("https://shop.example/x"), &SubIds::none()),
            Err(LinkError::DeepLinksNotPermitted { .. })
        ));
        let mut six = SubIds::none();
        six.set(5, "clickref6", "f")?;
        assert_eq!(
            program.link(&closed, None, &six),
            Err(LinkError::TooManySubIds {
                network: "adtraction".into(),
                num_params: 5
            })
        );
        Ok(())
    }
}
