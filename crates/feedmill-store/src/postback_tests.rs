use super::*;

fn validate(fields: &[(&str, &str)]) -> Result<ValidPostback, PostbackError> {
    validate_postback("prog-1", fields.iter().copied())
}

fn rule_of(fields: &[(&str, &str)]) -> Option<(String, PostbackRule)> {
    validate(fields).err().map(|err| (err.field, err.rule))
}

fn with(extra: (&'static str, &'static str)) -> Vec<(&'static str, &'static str)> {
    vec![("order_id", "ORD-1"), ("amount", "10.00"), extra]
}

#[test]
fn the_canonical_payload_is_accepted_whole() -> Result<(), PostbackError> {
    let valid = validate(&[
        ("order_id", "ORD-001"),
        ("visitor_id", "v-1"),
        ("customer_id_hash", "9f86d081884c7d65"),
        ("gross_amount", "246.00"),
        ("net_amount", "200.00"),
        ("items_amount", "220.00"),
        ("shipping_amount", "20.00"),
        ("discount_amount", "10.00"),
        ("tax_amount", "46.00"),
        ("currency", "PLN"),
        ("order_status", "completed"),
        ("payment_status", "paid"),
        ("refunded_amount", "0.00"),
        ("order_time", "2022-12-11T11:10:01-07:00"),
        ("quantity", "3"),
        ("consent_mode", "merchant_consent_required"),
        ("integration_mode", "plugin"),
        ("source", "woocommerce"),
        ("customer_id", "cust-42"),
        ("click_id", ""),
        ("plugin_version", "1.2"),
    ])?;
    let input = valid.conversion;
    assert_eq!(input.program_id, "prog-1");
    assert_eq!(input.order_id, "ORD-001");
    assert_eq!(input.sale_amount(), Some(Decimal::new(24600, 2)));
    assert_eq!(input.tax_amount, Some(Decimal::new(4600, 2)));
    assert_eq!(input.currency.map(|c| c.code()), Some("PLN"));
    assert_eq!(input.click_id, None, "an empty value counts as absent");
    assert_eq!(input.quantity, Some(3));
    assert_eq!(
        input.order_time.map(|t| t.to_rfc3339()),
        Some("2022-12-11T18:10:01+00:00".to_owned())
    );
    assert_eq!(
        [
            input.consent_mode.as_deref(),
            input.integration_mode.as_deref(),
            input.source.as_deref(),
            input.customer_id.as_deref(),
        ],
        [
            Some("merchant_consent_required"),
            Some("plugin"),
            Some("woocommerce"),
            Some("cust-42")
        ]
    );
    assert_eq!(
        valid.ignored_fields,
        vec!["plugin_version".to_owned()],
        "only fields the contract does not document are ignored"
    );
    Ok(())
}

#[test]
fn consent_mode_is_one_of_linkolinos_three() {
    for mode in CONSENT_MODES {
        let valid = validate(&with(("consent_mode", mode)));
        assert_eq!(
            valid.map(|v| v.conversion.consent_mode),
            Ok(Some((*mode).to_owned()))
        );
    }
    for bad in [
        "granted",
        "Custom",
        " custom",
        "merchant_consent_required,custom",
    ] {
        assert_eq!(
            rule_of(&with(("consent_mode", bad))),
            Some(("consent_mode".into(), PostbackRule::ConsentMode)),
            "{bad:?}"
        );
    }
    let message = validate(&with(("consent_mode", "granted"))).map_err(|e| e.to_string());
    assert_eq!(
        message.err().as_deref(),
        Some(
            "field \"consent_mode\" must be one of merchant_consent_required, server_side_required, custom"
        )
    );
}

#[test]
fn the_integration_context_strings_are_at_most_255_characters() {
    let too_long = "a".repeat(256);
    for field in ["integration_mode", "source", "customer_id"] {
        assert!(validate(&with((field, "x"))).is_ok(), "{field}");
        let long = [
            ("order_id", "A"),
            ("amount", "1"),
            (field, too_long.as_str()),
        ];
        assert_eq!(
            rule_of(&long),
            Some((field.to_owned(), PostbackRule::StringTooLong))
        );
        let twice = [
            ("order_id", "A"),
            ("amount", "1"),
            (field, "x"),
            (field, "y"),
        ];
        assert_eq!(
            rule_of(&twice),
            Some((field.to_owned(), PostbackRule::GivenTwice))
        );
    }
}

#[test]
fn order_id_and_one_amount_are_required() {
    assert_eq!(
        rule_of(&[("amount", "1.00")]),
        Some(("order_id".into(), PostbackRule::Required))
    );
    assert_eq!(
        rule_of(&[("order_id", "A"), ("amount", "")]),
        Some(("amount".into(), PostbackRule::OneAmountRequired))
    );
}

#[test]
fn strings_are_at_most_255_characters_not_bytes() {
    let long = "ä".repeat(255);
    let payload = [("order_id", long.as_str()), ("amount", "1")];
    assert!(validate(&payload).is_ok(), "255 two-byte characters fit");
    let too_long = "a".repeat(256);
    let payload = [
        ("order_id", "A"),
        ("amount", "1"),
        ("sub_id", too_long.as_str()),
    ];
    assert_eq!(
        rule_of(&payload),
        Some(("sub_id".into(), PostbackRule::StringTooLong))
    );
}

#[test]
fn decimals_have_at_most_8_integer_digits_and_2_decimals() {
    for good in ["0", "99999999.99", "199.9", "5"] {
        assert!(validate(&with(("tax_amount", good))).is_ok(), "{good}");
    }
    for bad in [
        "123456789.00",
        "1.999",
        "-1.00",
        "1,00",
        "1.",
        ".5",
        "1e3",
        "12 EUR",
    ] {
        assert_eq!(
            rule_of(&with(("tax_amount", bad))),
            Some(("tax_amount".into(), PostbackRule::Decimal)),
            "{bad}"
        );
    }
}

#[test]
fn date_times_need_an_iso_8601_offset() {
    for good in [
        "2022-12-11T11:10:01-07:00",
        "2022-12-11T11:10:01Z",
        "2019-07-16T14:45:15+0200",
    ] {
        assert!(validate(&with(("order_time", good))).is_ok(), "{good}");
    }
    for bad in [
        "2022-12-11T11:10:01",
        "2022-12-11",
        "1710122547",
        "11/12/2022 11:10",
    ] {
        assert_eq!(
            rule_of(&with(("order_time", bad))),
            Some(("order_time".into(), PostbackRule::DateTime)),
            "{bad}"
        );
    }
}

#[test]
fn currencies_are_iso_4217_codes() {
    assert!(validate(&with(("currency", "SEK"))).is_ok());
    for bad in ["sek", "XYZ", "EURO", "€"] {
        assert_eq!(
            rule_of(&with(("currency", bad))),
            Some(("currency".into(), PostbackRule::Currency)),
            "{bad}"
        );
    }
}

#[test]
fn integers_have_at_most_16_digits() {
    assert!(validate(&with(("quantity", "9999999999999999"))).is_ok());
    for bad in ["99999999999999999", "1.5", "two", ""] {
        let result = rule_of(&with(("quantity", bad)));
        if bad.is_empty() {
            assert_eq!(result, None, "an empty integer is absent");
        } else {
            assert_eq!(
                result,
                Some(("quantity".into(), PostbackRule::Integer)),
                "{bad}"
            );
        }
    }
}

#[test]
fn a_field_given_twice_and_an_unknown_status_are_refused() {
    let twice = [("order_id", "A"), ("amount", "1"), ("amount", "2")];
    assert_eq!(
        rule_of(&twice),
        Some(("amount".into(), PostbackRule::GivenTwice))
    );
    assert_eq!(
        rule_of(&with(("status", "paid"))),
        Some(("status".into(), PostbackRule::Status))
    );
    let message = validate(&twice).err().map(|e| e.to_string());
    assert_eq!(
        message.as_deref(),
        Some("field \"amount\" is given more than once")
    );
}
