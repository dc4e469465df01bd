//! The field tables of each network's feeds (see NETWORKS.md), and the synonyms used to map
//! generic feeds automatically (child module `generic`). Candidates are listed most preferred
//! first.

use crate::mapping::{Candidates, Field::*};

mod generic;

pub use generic::GENERIC;

pub const ADTRACTION: &[Candidates] = &[
    (Sku, &["SKU", "g:id"]),
    (Title, &["Name", "productName", "g:title", "title"]),
    (
        Description,
        &["Description", "productDescription", "g:description"],
    ),
    (Category, &["Category", "productCategory", "g:product_type"]),
    (Price, &["Price", "productPrice", "g:price"]),
    (SalePrice, &["g:sale_price"]),
    (OldPrice, &["OriginalPrice", "oldPrice"]),
    (Shipping, &["Shipping", "g:shipping/g:price"]),
    (Currency, &["Currency"]),
    (Availability, &["Instock", "InStock", "g:availability"]),
    (ProductUrl, &["ProductUrl", "g:link", "link"]),
    (TrackingUrl, &["TrackingUrl"]),
    (ImageUrl, &["ImageUrl", "g:image_link"]),
    (AdditionalImages, &["g:additional_image_link"]),
    (Brand, &["Brand", "manufacturer", "g:brand"]),
    (Gtin, &["Ean", "gtin", "g:gtin"]),
    (Mpn, &["ManufacturerArticleNumber", "g:mpn"]),
    (ProgramId, &["programId"]),
    (Extras, &["Extras"]),
    (Ignore, &["market"]),
];

pub const PARTNERBOOST: &[Candidates] = &[
    (Sku, &["sku"]),
    (Title, &["name"]),
    (Description, &["description"]),
    (Category, &["category"]),
    (Price, &["price"]),
    (OldPrice, &["old_price"]),
    (Currency, &["currency"]),
    (Availability, &["availability"]),
    (ProductUrl, &["url"]),
    (
        TrackingUrl,
        &["tracking_url", "tracking_url_smart", "tracking_url_short"],
    ),
    (ImageUrl, &["image"]),
    (Brand, &["brand"]),
    (Gtin, &["gtin"]),
    (Mpn, &["mpn"]),
    (MerchantId, &["mcid"]),
    (MerchantName, &["merchant_name"]),
    (ProgramId, &["brand_id"]),
    (UpdatedAt, &["updated_at", "updated-at"]),
];

pub const AWIN: &[Candidates] = &[
    (Sku, &["merchant_product_id", "aw_product_id"]),
    (Title, &["product_name"]),
    (Description, &["description", "product_short_description"]),
    (
        Category,
        &[
            "merchant_product_category_path",
            "merchant_category",
            "category_name",
        ],
    ),
    (Price, &["search_price", "store_price", "display_price"]),
    (OldPrice, &["product_price_old", "rrp_price"]),
    (Currency, &["currency"]),
    (Shipping, &["delivery_cost"]),
    (Availability, &["in_stock", "stock_status"]),
    (StockQuantity, &["stock_quantity"]),
    (ProductUrl, &["merchant_deep_link"]),
    (TrackingUrl, &["aw_deep_link"]),
    (
        ImageUrl,
        &["merchant_image_url", "large_image", "aw_image_url"],
    ),
    (
        AdditionalImages,
        &[
            "alternate_image",
            "alternate_image_two",
            "alternate_image_three",
            "alternate_image_four",
        ],
    ),
    (Brand, &["brand_name"]),
    (Gtin, &["product_GTIN", "ean", "upc", "isbn"]),
    (Mpn, &["mpn", "model_number"]),
    (MerchantId, &["merchant_id"]),
    (MerchantName, &["merchant_name"]),
    (ProgramId, &["data_feed_id"]),
    (UpdatedAt, &["last_updated"]),
    (
        Ignore,
        &[
            "aw_thumb_url",
            "merchant_thumb_url",
            "category_id",
            "brand_id",
            "basket_link",
        ],
    ),
];

pub const GOOGLE: &[Candidates] = &[
    (Sku, &["g:id", "id"]),
    (Title, &["g:title", "title", "Item title"]),
    (
        Description,
        &["g:description", "description", "summary", "content"],
    ),
    (
        Category,
        &[
            "g:product_type",
            "product_type",
            "g:google_product_category",
            "google_product_category",
        ],
    ),
    (Price, &["g:price", "price"]),
    (SalePrice, &["g:sale_price", "sale_price", "Sale price"]),
    (Shipping, &["g:shipping/g:price", "shipping"]),
    (Availability, &["g:availability", "availability"]),
    (
        ProductUrl,
        &["g:link", "link", "link@href", "Final URL", "g:mobile_link"],
    ),
    (ImageUrl, &["g:image_link", "image_link", "Image URL"]),
    (
        AdditionalImages,
        &["g:additional_image_link", "additional_image_link"],
    ),
    (Brand, &["g:brand", "brand"]),
    (Gtin, &["g:gtin", "gtin", "g:ean", "ean"]),
    (Mpn, &["g:mpn", "mpn"]),
    (UpdatedAt, &["updated", "pubDate"]),
    (Ignore, &["g:shipping/g:country", "g:shipping/g:service"]),
];

pub const TRADETRACKER: &[Candidates] = &[
    (Sku, &["productID", "SKU"]),
    (Title, &["name"]),
    (Description, &["description"]),
    (
        Category,
        &["categories/category@path", "categories/category"],
    ),
    (Price, &["price"]),
    (OldPrice, &["fromPrice", "oldPrice"]),
    (Currency, &["price@currency", "currency"]),
    (Shipping, &["deliveryCosts"]),
    (Availability, &["stock", "availability"]),
    (TrackingUrl, &["productURL"]),
    (ImageUrl, &["imageURLlarge", "imageURL"]),
    (Brand, &["brand"]),
    (Gtin, &["EAN", "GTIN"]),
    (Mpn, &["MPN"]),
    (Ignore, &["thumbnailURL", "categoryURL"]),
];
