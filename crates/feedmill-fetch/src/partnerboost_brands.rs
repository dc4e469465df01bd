//! PartnerBoost's brand list (the Monetization API, `/api.php?mod=medium&op=monetization_api`),
//! used to name the merchant of datafeed items that arrive without `merchant_name`.
//!
//! The endpoint is not in the seed documentation; its path and fields (`brand_id`, `mcid`,
//! `merchant_name`, `total_page`) follow public client code, so a failure here only leaves
//! names empty, it never fails the feed.

use crate::error::FetchErrorKind;
use crate::http_client::Session;
use crate::partnerboost_envelope::{LooseNumber, check_status, parse_page};
use crate::source_config::{PARTNERBOOST_MAX_LIMIT, PartnerboostConfig};
use serde::Deserialize;
use std::collections::HashMap;

/// Brand lists are short; this only stops a server that never ends.
const MAX_BRAND_PAGES: u64 = 50;

#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct BrandNames {
    by_brand_id: HashMap<String, String>,
    by_mcid: HashMap<String, String>,
}

#[derive(Deserialize)]
struct Brand {
    brand_id: Option<LooseNumber>,
    mcid: Option<String>,
    merchant_name: Option<String>,
}

impl BrandNames {
    pub(crate) async fn load(
        session: &Session<'_>,
        config: &PartnerboostConfig,
        token: &str,
    ) -> Result<BrandNames, FetchErrorKind> {
        let url = format!("{}/api.php?mod=medium&op=monetization_api", config.base_url);
        let mut names = BrandNames::default();
        for page in 1..=MAX_BRAND_PAGES {
            let mut form = vec![
                ("token", token.to_string()),
                ("type", "json".to_string()),
                ("page", page.to_string()),
                ("limit", PARTNERBOOST_MAX_LIMIT.to_string()),
            ];
            if let Some(brand_type) = &config.brand_type {
                form.push(("brand_type", brand_type.clone()));
            }
            let body = session
                .retry(|| async {
                    let request = session.ctx.client.post(&url).form(&form);
                    let response = session.send(request).await?;
                    let body = response.bytes().await.map_err(FetchErrorKind::transport)?;
                    check_status(&body, false, &config.token_env)?;
                    Ok(body)
                })
                .await?;
            let parsed = parse_page(&body, false)?;
            for item in &parsed.items {
                if let Ok(brand) = serde_json::from_slice::<Brand>(item) {
                    names.add(brand);
                }
            }
            let short = parsed.items.len() < PARTNERBOOST_MAX_LIMIT as usize;
            if short || parsed.total_page.is_some_and(|last| page >= last) {
                break;
            }
        }
        Ok(names)
    }

    fn add(&mut self, brand: Brand) {
        let Some(name) = brand.merchant_name.filter(|n| !n.trim().is_empty()) else {
            return;
        };
        if let Some(id) = brand.brand_id {
            self.by_brand_id.insert(id.as_string(), name.clone());
        }
        if let Some(mcid) = brand.mcid {
            self.by_mcid.insert(mcid, name);
        }
    }

    /// The merchant name for an item, by its `brand_id`, else its `mcid`.
    pub(crate) fn name_for(
        &self,
        item: &serde_json::Map<String, serde_json::Value>,
    ) -> Option<&str> {
        let text = |key: &str| match item.get(key)? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        text("brand_id")
            .and_then(|id| self.by_brand_id.get(&id))
            .or_else(|| text("mcid").and_then(|mcid| self.by_mcid.get(&mcid)))
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_by_brand_id_then_mcid() {
        let mut names = BrandNames::default();
        let brands: Vec<Brand> = serde_json::from_str(
            r#"[{"brand_id":"66303","mcid":"ulike0","merchant_name":"Ulike"},
                {"brand_id":7,"mcid":"other","merchant_name":"Other"},
                {"brand_id":"8","merchant_name":""}]"#,
        )
        .expect("brands");
        for brand in brands {
            names.add(brand);
        }
        let item = |json: &str| -> serde_json::Map<String, serde_json::Value> {
            serde_json::from_str(json).expect("item")
        };
        assert_eq!(
            names.name_for(&item(r#"{"brand_id":"66303"}"#)),
            Some("Ulike")
        );
        assert_eq!(names.name_for(&item(r#"{"brand_id":7}"#)), Some("Other"));
        assert_eq!(
            names.name_for(&item(r#"{"brand_id":"1","mcid":"ulike0"}"#)),
            Some("Ulike")
        );
        assert_eq!(names.name_for(&item(r#"{"brand_id":"8"}"#)), None);
    }
}
