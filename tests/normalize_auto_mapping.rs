//! Shop and network exports whose columns map without `--map`: Heureka, JTL-Shop, idealo (ES,
//! PT), PrestaShop and Adrecord. Each fixture is a small file written for these tests in the
//! layout of that export.

use crate::support::{fixture, last_stderr_line, run, stderr, stdout_lines};
use serde_json::Value;

/// The offers of `name` normalized with `--format auto` and no `--map`.
fn offers(name: &str, currency: &str) -> Vec<Value> {
    let feed = fixture(name).display().to_string();
    let output = run(&["normalize", "--currency", currency, &feed]);
    assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));
    assert_eq!(
        last_stderr_line(&output),
        "read 2, kept 2, rejected 0",
        "{name}"
    );
    stdout_lines(&output)
}

/// Asserts `offer[field] == want` for each pair.
fn assert_fields(offer: &Value, expected: &[(&str, &str)]) {
    for (field, want) in expected {
        assert_eq!(offer[*field], *want, "{field} of {offer}");
    }
}

#[test]
fn heureka_shopitems_map_automatically() {
    let offers = offers("heureka.xml", "CZK");
    assert_fields(
        &offers[0],
        &[
            ("sku", "HK-1001"),
            ("title", "Nokia 5800 XpressMusic"),
            ("price", "6000.00"),
            ("currency", "CZK"),
            ("brand", "Nokia"),
            ("category", "Elektronika > Mobilní telefony"),
            ("gtin", "8594001234561"),
            ("mpn", "RM-559394"),
            ("shipping", "120.00"),
            ("availability", "in_stock"),
            ("product_url", "https://obchod.example.cz/mobily/nokia-5800"),
            ("image_url", "https://obchod.example.cz/img/nokia-5800.jpg"),
        ],
    );
    let alternative = "https://obchod.example.cz/img/nokia-5800-zada.jpg";
    assert_eq!(offers[0]["additional_images"][0], alternative);
    assert_fields(
        &offers[1],
        &[("price", "549.90"), ("availability", "backorder")],
    );
}

#[test]
fn jtl_shop_german_columns_map_automatically() {
    let offers = offers("jtl-shop.csv", "CHF");
    assert_fields(
        &offers[0],
        &[
            ("sku", "JTL-4711"),
            ("title", "Kaffeemühle Hario Skerton Pro"),
            ("description", "Handmühle mit Keramikmahlwerk."),
            ("price", "49.90"),
            ("old_price", "59.90"),
            ("currency", "EUR"),
            ("brand", "Hario"),
            ("category", "Küche > Kaffee > Mühlen"),
            ("gtin", "4006381333931"),
            ("mpn", "MMCS-2B"),
            ("shipping", "4.95"),
            ("availability", "in_stock"),
            ("product_url", "https://shop.example.de/hario-skerton-pro"),
            (
                "image_url",
                "https://shop.example.de/bilder/hario-skerton.jpg",
            ),
        ],
    );
    assert_eq!(offers[0]["extra"]["Lieferzeit"], "2-3 Tage");
    assert_fields(&offers[1], &[("availability", "out_of_stock")]);
}

#[test]
fn idealo_spanish_and_portuguese_columns_map_automatically() {
    let spanish = offers("idealo-es.csv", "USD");
    assert_fields(
        &spanish[0],
        &[
            ("sku", "ES-100"),
            ("title", "Zapatillas de running Ultraboost"),
            ("description", "Zapatillas ligeras para correr."),
            ("price", "129.95"),
            ("old_price", "159.95"),
            ("currency", "EUR"),
            ("brand", "Adidas"),
            ("category", "Deportes > Running > Zapatillas"),
            ("gtin", "8430001112228"),
            ("shipping", "4.99"),
            ("availability", "in_stock"),
            ("product_url", "https://tienda.example.es/ultraboost"),
            ("image_url", "https://tienda.example.es/img/ultraboost.jpg"),
        ],
    );
    let portuguese = offers("idealo-pt.csv", "USD");
    assert_fields(
        &portuguese[0],
        &[
            ("sku", "PT-200"),
            ("title", "Máquina de café expresso"),
            ("description", "Máquina de café com vaporizador."),
            ("price", "189.90"),
            ("old_price", "229.90"),
            ("currency", "EUR"),
            ("brand", "Delonghi"),
            ("category", "Casa > Cozinha > Café"),
            ("gtin", "5601234567892"),
            ("shipping", "0.00"),
            ("product_url", "https://loja.example.pt/maquina-cafe"),
            ("image_url", "https://loja.example.pt/img/maquina.jpg"),
        ],
    );
}

#[test]
fn prestashop_export_maps_the_price_with_tax_and_splits_its_image_list() {
    let offers = offers("prestashop-export.csv", "EUR");
    assert_fields(
        &offers[0],
        &[
            ("title", "Hummingbird printed t-shirt"),
            ("price", "28.68"),
            ("gtin", "5901234123457"),
            ("brand", "Studio Design"),
            ("category", "Clothes"),
            ("availability", "in_stock"),
            ("image_url", "https://shop.example.com/img/p/1/1.jpg"),
        ],
    );
    assert_eq!(
        offers[0]["additional_images"][0],
        "https://shop.example.com/img/p/1/2.jpg"
    );
    assert_eq!(offers[0]["extra"]["Price tax excluded"], "23.90");
    assert_fields(&offers[1], &[("availability", "out_of_stock")]);
}

#[test]
fn prestashop_import_file_maps_everything_but_its_net_price() {
    let feed = fixture("prestashop-semicolon.csv").display().to_string();
    let output = run(&["normalize", "--currency", "EUR", &feed]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = stderr(&output);
    assert!(report.contains("missing_price 3"), "{report}");
    assert!(!report.contains("missing_title"), "{report}");
}

#[test]
fn adrecord_products_map_automatically() {
    let offers = offers("adrecord.xml", "EUR");
    assert_fields(
        &offers[0],
        &[
            ("sku", "AR-3001"),
            ("merchant_name", "Outdoorbutiken"),
            ("title", "Tält Hilleberg Nammatj 2"),
            ("price", "8495.00"),
            ("old_price", "9995.00"),
            ("currency", "SEK"),
            ("shipping", "0.00"),
            ("brand", "Hilleberg"),
            ("category", "Friluftsliv > Tält"),
            ("gtin", "7312345678909"),
            ("availability", "in_stock"),
            (
                "product_url",
                "https://outdoorbutiken.example.se/talt/nammatj-2",
            ),
            (
                "image_url",
                "https://outdoorbutiken.example.se/bilder/nammatj-2.jpg",
            ),
        ],
    );
    assert_fields(&offers[1], &[("availability", "out_of_stock")]);
}
